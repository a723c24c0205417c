# Copyright (c) mmsniper contributors. All rights reserved.
from .focus_pixel_head import FocusPixelHead
from .focus_pixel_labels import focus_pixel_labels

__all__ = ['FocusPixelHead', 'focus_pixel_labels']
