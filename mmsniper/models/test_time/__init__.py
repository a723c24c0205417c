# Copyright (c) mmsniper contributors. All rights reserved.
from .autofocus import AutoFocusDetector
from .base import ChipTestMixin
from .budgets import Budget
from .chip_runner import ChipDets, Job
from .multiscale_tta import SniperMultiScaleTTA
from .oracle import OracleAutoFocusDetector
from .proposal_tta import SniperProposalTTA

__all__ = [
    'AutoFocusDetector', 'Budget', 'ChipDets', 'ChipTestMixin', 'Job',
    'OracleAutoFocusDetector', 'SniperMultiScaleTTA', 'SniperProposalTTA'
]
