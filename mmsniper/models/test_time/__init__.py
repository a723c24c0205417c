# Copyright (c) mmsniper contributors. All rights reserved.
from .autofocus import AutoFocusDetector
from .base import BaseChipTestDetector, ChipJob, ChipResult
from .multiscale_tta import SniperMultiScaleTTA

__all__ = [
    'AutoFocusDetector', 'BaseChipTestDetector', 'ChipJob', 'ChipResult',
    'SniperMultiScaleTTA'
]
