from .autofocus_toy import tiny_focus_detector_cfg  # noqa: F401
from .focus_samples import focus_sample  # noqa: F401
from .chip_gt import chip_gt  # noqa: F401
from .coco_copy import CocoSplitCopy, TinyCopy  # noqa: F401
