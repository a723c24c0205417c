from .launch import ToolError, run_tool, test, train

__all__ = ['ToolError', 'run_tool', 'test', 'train']
from .test_mode import TEST_MODES, apply_test_mode  # noqa: F401,E402
from .inference import (inference_autofocus, inference_image,  # noqa: F401,E402
                        inference_multiscale, init_sniper_detector,
                        load_image, result_to_dict, to_bgr8)
