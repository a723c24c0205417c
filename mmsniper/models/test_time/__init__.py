# Copyright (c) mmsniper contributors. All rights reserved.
from .autofocus import AutoFocusDetector
from .base import ChipDets, ChipTestMixin, Job
from .budgets import Budget
from .multiscale_tta import SniperMultiScaleTTA
from .oracle import OracleAutoFocusDetector

__all__ = [
    'AutoFocusDetector', 'Budget', 'ChipDets', 'ChipTestMixin', 'Job',
    'OracleAutoFocusDetector', 'SniperMultiScaleTTA'
]
