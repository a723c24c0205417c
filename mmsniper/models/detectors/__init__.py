# Copyright (c) mmsniper contributors. All rights reserved.
from .focus_atss import FocusATSS
from .focus_faster_rcnn import FocusFasterRCNN
from .focus_head_mixin import FocusHeadMixin
from .focus_mask_rcnn import FocusMaskRCNN
from .focus_retinanet import FocusRetinaNet
from .focus_single_stage import FocusSingleStageMixin
from .focus_two_stage import FocusTwoStageMixin

__all__ = [
    'FocusATSS', 'FocusFasterRCNN', 'FocusHeadMixin', 'FocusMaskRCNN',
    'FocusRetinaNet', 'FocusSingleStageMixin', 'FocusTwoStageMixin'
]
