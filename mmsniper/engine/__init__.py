from .hooks import AtomicCheckpointHook, ChipRebuildHook  # noqa: F401
from .runner import ResumableEpochBasedTrainLoop, SniperRunner  # noqa: F401
from .sniper_block import (BLOCK_KEYS, read_sniper_block,  # noqa: F401
                           resolve_sniper_block)
