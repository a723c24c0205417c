
from .task_modules import SniperMaxIoUAssigner  # noqa: F401
