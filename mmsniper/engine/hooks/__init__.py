
from .chip_rebuild_hook import ChipRebuildHook, find_sniper_dataset  # noqa: F401,E501
