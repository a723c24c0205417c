from .atomic_local_backend import AtomicLocalBackend, remove_stale_tmp_files

__all__ = ['AtomicLocalBackend', 'remove_stale_tmp_files']
