# Copyright (c) mmsniper contributors. All rights reserved.
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .chip_rebuild_hook import ChipRebuildHook

__all__ = ['AtomicCheckpointHook', 'ChipRebuildHook']
