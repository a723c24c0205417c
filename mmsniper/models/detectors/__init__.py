# Copyright (c) mmsniper contributors. All rights reserved.
from .focus_faster_rcnn import FocusFasterRCNN
from .focus_mask_rcnn import FocusMaskRCNN
from .focus_two_stage import FocusTwoStageMixin

__all__ = ['FocusFasterRCNN', 'FocusMaskRCNN', 'FocusTwoStageMixin']
