# Copyright (c) mmsniper contributors. All rights reserved.
from .focus_faster_rcnn import FocusFasterRCNN

__all__ = ['FocusFasterRCNN']
