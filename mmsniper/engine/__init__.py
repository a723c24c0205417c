from .hooks import AtomicCheckpointHook, ChipRebuildHook  # noqa: F401
from .runner import ResumableEpochBasedTrainLoop  # noqa: F401
