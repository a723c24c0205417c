# Copyright (c) mmsniper contributors. All rights reserved.
"""RetinaNet with a FocusPixel head (AutoFocus with a one-stage detector)."""
from mmdet.models.detectors import RetinaNet
from mmdet.registry import MODELS

from .focus_single_stage import FocusSingleStageMixin


@MODELS.register_module()
class FocusRetinaNet(FocusSingleStageMixin, RetinaNet):
    """RetinaNet plus a :class:`~mmsniper.models.FocusPixelHead` on P4
    (stride 16, ``in_index=1`` of the P3-P7 FPN); training and inference:
    :class:`~mmsniper.models.detectors.focus_single_stage.
    FocusSingleStageMixin`.

    Args:
        focus_head (dict): Config of the FocusPixel head.
        Other args: as :class:`mmdet.models.RetinaNet`.

    Examples:
        >>> model = dict(
        >>>     type='FocusRetinaNet',
        >>>     focus_head=dict(type='FocusPixelHead', in_channels=256,
        >>>                     feat_channels=256, in_index=1, stride=16),
        >>>     ...)  # the rest of a RetinaNet config
    """
