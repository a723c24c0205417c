from .atomic_checkpoint_hook import AtomicCheckpointHook
from .chip_rebuild_hook import ChipRebuildHook, find_sniper_dataset  # noqa: F401,E501

__all__ = ['AtomicCheckpointHook', 'ChipRebuildHook', 'find_sniper_dataset']
