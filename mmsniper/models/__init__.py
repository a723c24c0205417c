
from .task_modules import (SniperATSSAssigner,  # noqa: F401
                           SniperMaxIoUAssigner)
from .seg_heads import FocusPixelHead, focus_pixel_labels  # noqa: F401,E402
from .detectors import (FocusATSS, FocusFasterRCNN,  # noqa: F401,E402
                        FocusMaskRCNN, FocusRetinaNet)
from .test_time import AutoFocusDetector, SniperMultiScaleTTA  # noqa: F401,E402
