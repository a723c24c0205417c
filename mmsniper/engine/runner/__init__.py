from .resumable_loop import (ResumableEpochBasedTrainLoop,
                             resumable_dataloader_cfg)

__all__ = ['ResumableEpochBasedTrainLoop', 'resumable_dataloader_cfg']
