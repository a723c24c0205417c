# Copyright (c) mmsniper contributors. All rights reserved.
"""ATSS with a FocusPixel head (AutoFocus with a one-stage detector)."""
from mmdet.models.detectors import ATSS
from mmdet.registry import MODELS

from .focus_single_stage import FocusSingleStageMixin


@MODELS.register_module()
class FocusATSS(FocusSingleStageMixin, ATSS):
    """ATSS plus a :class:`~mmsniper.models.FocusPixelHead` on P4 (stride
    16, ``in_index=1`` of the P3-P7 FPN); training and inference:
    :class:`~mmsniper.models.detectors.focus_single_stage.
    FocusSingleStageMixin`.

    Args:
        focus_head (dict): Config of the FocusPixel head.
        Other args: as :class:`mmdet.models.ATSS`.
    """
