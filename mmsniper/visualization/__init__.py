# Copyright (c) mmsniper contributors. All rights reserved.
from .focus_visualizer import (FocusVisualizer, focus_map_to_image,
                               overlay_heatmap)

__all__ = ['FocusVisualizer', 'focus_map_to_image', 'overlay_heatmap']
