from .resumable_loop import (ResumableEpochBasedTrainLoop,
                             resumable_dataloader_cfg)
from .sniper_runner import SniperRunner

__all__ = [
    'ResumableEpochBasedTrainLoop', 'SniperRunner', 'resumable_dataloader_cfg'
]
