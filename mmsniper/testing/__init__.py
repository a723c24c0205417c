
from .autofocus_toy import tiny_focus_detector_cfg  # noqa: F401
