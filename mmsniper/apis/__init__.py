from .inference import (inference_image, load_image, result_to_dict,
                        to_bgr8)
from .launch import ToolError, run_tool, test, train
from .tta import is_tta_model, tta_config

__all__ = [
    'ToolError', 'run_tool', 'test', 'train', 'inference_image',
    'load_image', 'result_to_dict', 'to_bgr8', 'is_tta_model', 'tta_config'
]
