# Copyright (c) mmsniper contributors. All rights reserved.
from .chip_drawing import draw_chips, draw_legend, side_by_side
from .focus_drawing import focus_map_to_image, overlay_heatmap
from .focus_visualizer import FocusVisualizer
from .sniper_visualizer import SniperLocalVisualizer, chip_sample_name

__all__ = [
    'FocusVisualizer', 'SniperLocalVisualizer', 'chip_sample_name',
    'draw_chips', 'draw_legend', 'focus_map_to_image', 'overlay_heatmap',
    'side_by_side'
]
