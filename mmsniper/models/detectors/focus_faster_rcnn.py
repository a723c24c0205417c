# Copyright (c) mmsniper contributors. All rights reserved.
"""Faster R-CNN with a FocusPixel head (AutoFocus, spec section 5.2)."""
from mmdet.models.detectors import FasterRCNN
from mmdet.registry import MODELS

from .focus_two_stage import (SINGLE_SCALE_NOTE,  # noqa: F401
                              FocusTwoStageMixin, inside_test_time_wrapper)


@MODELS.register_module()
class FocusFasterRCNN(FocusTwoStageMixin, FasterRCNN):
    """Faster R-CNN plus a :class:`~mmsniper.models.FocusPixelHead`
    (training, ``focus_head_only`` and inference: see
    :class:`~mmsniper.models.detectors.focus_two_stage.FocusTwoStageMixin`).

    Args:
        focus_head (dict): Config of the FocusPixel head.
        Other args: as :class:`mmdet.models.FasterRCNN`.

    Examples:
        >>> model = dict(
        >>>     type='FocusFasterRCNN',
        >>>     focus_head=dict(type='FocusPixelHead', in_channels=256,
        >>>                     feat_channels=256, in_index=2, stride=16),
        >>>     ...)  # the rest of a Faster R-CNN config
    """
