from .inference import (inference_image, load_image, result_to_dict,
                        to_bgr8)
from .tta import is_tta_model, tta_config

__all__ = [
    'inference_image', 'load_image', 'result_to_dict', 'to_bgr8',
    'is_tta_model', 'tta_config'
]
