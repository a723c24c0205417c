from .atomic_local_backend import AtomicLocalBackend, remove_stale_tmp_files
from .mapped_image import (convert_to_mapped, is_mapped, is_mapped_path,
                           map_image, release_pages, save_mapped_image)

__all__ = [
    'AtomicLocalBackend', 'convert_to_mapped', 'is_mapped', 'is_mapped_path',
    'map_image', 'release_pages', 'remove_stale_tmp_files',
    'save_mapped_image'
]
