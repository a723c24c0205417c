# Copyright (c) mmsniper contributors. All rights reserved.
"""Mask R-CNN with a FocusPixel head (AutoFocus with instance masks)."""
from mmdet.models.detectors import MaskRCNN
from mmdet.registry import MODELS

from .focus_two_stage import FocusTwoStageMixin


@MODELS.register_module()
class FocusMaskRCNN(FocusTwoStageMixin, MaskRCNN):
    """Mask R-CNN plus a :class:`~mmsniper.models.FocusPixelHead`: the
    FocusPixel loss joins the RPN, box and mask losses on the same SNIPER
    chips; :class:`~mmsniper.models.AutoFocusDetector` merges its masks
    (:mod:`~mmsniper.models.test_time.instance_masks`). Training,
    ``focus_head_only`` and inference as
    :class:`~mmsniper.models.detectors.focus_two_stage.FocusTwoStageMixin`.

    Args:
        focus_head (dict): Config of the FocusPixel head.
        Other args: as :class:`mmdet.models.MaskRCNN`.

    Examples:
        >>> model = dict(
        >>>     type='FocusMaskRCNN',
        >>>     focus_head=dict(type='FocusPixelHead', in_channels=256,
        >>>                     feat_channels=256, in_index=2, stride=16),
        >>>     ...)  # the rest of a Mask R-CNN config
    """
