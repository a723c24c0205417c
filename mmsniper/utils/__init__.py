from .dist import init_launcher, teardown
from .io import atomic_write, atomic_write_dir

__all__ = ['atomic_write', 'atomic_write_dir', 'init_launcher', 'teardown']
