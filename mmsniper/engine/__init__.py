
from .hooks import ChipRebuildHook  # noqa: F401
