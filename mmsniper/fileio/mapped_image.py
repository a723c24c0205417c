# Copyright (c) mmsniper contributors. All rights reserved.
"""Images kept on disk and mapped into memory: huge scenes in bounded RAM.

A decoded ``H x W x 3`` image held in memory grows the process with the
scene: 0.6 GB at 200 Mpix, 3 GB at 1 Gpix, on top of what the detector
needs. Saved once as a ``.npy`` file (:func:`save_mapped_image`,
``tools/misc/map_image.py``) it is *mapped* instead (:func:`map_image`,
the ``LoadMappedImage`` transform): the kernel reads a page of the file
when a window of the image touches it, and :func:`release_pages`, called
by :func:`~mmsniper.chips.crop_resize.crop_resize_tensor` after each band
of source rows it reads, drops the pages read so far from the process
(they stay in the kernel's page cache, which the system reclaims freely).
Resident memory is then bounded by the windows in use, not by the scene.

The mapping is copy-on-write (``mmap_mode='c'``): the array is writeable
as torch wants it, but it is read-only by contract: :func:`release_pages`
discards what was written to pages it drops.
"""
import mmap
import os
import os.path as osp
import threading
import weakref
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch

#: The file suffix of mapped images.
MAPPED_SUFFIX = '.npy'
#: Bytes read from a mapping after which its pages are dropped.
RELEASE_BYTES = 32 << 20

_lock = threading.Lock()
#: start address -> (end address, weakref to the mmap, bytes read).
_maps: Dict[int, list] = {}


def is_mapped_path(path: str) -> bool:
    """Whether ``path`` names a mapped image (a ``.npy`` file)."""
    return str(path).lower().endswith(MAPPED_SUFFIX)


def save_mapped_image(img: np.ndarray, path: str) -> str:
    """Save a decoded image for :func:`map_image`.

    Args:
        img (np.ndarray): ``(H, W, 3)`` uint8 (mmcv's BGR order, as
            ``LoadImageFromFile`` gives it) or ``(H, W)``.
        path (str): Destination, ending in ``.npy``. Written to a temporary
            name and renamed, so an interrupted save leaves no partial file.

    Returns:
        str: ``path``.
    """
    if not is_mapped_path(path):
        raise ValueError(f'save_mapped_image: {path} must end in '
                         f'{MAPPED_SUFFIX}')
    _check_image(img, path)
    tmp = path[:-len(MAPPED_SUFFIX)] + '.tmp' + MAPPED_SUFFIX
    np.save(tmp, np.ascontiguousarray(img))
    os.replace(tmp, path)
    return path


def convert_to_mapped(src: str, out: Optional[str] = None,
                      color_type: str = 'color') -> str:
    """Decode an image file once and save it for :func:`map_image`.

    Args:
        src (str): Any image file mmcv reads (JPEG, PNG, TIFF, ...).
        out (str, optional): The ``.npy`` to write. Defaults to ``src``
            with its suffix replaced by ``.npy``.
        color_type (str): ``mmcv.imread``'s flag: ``'color'`` (BGR, as
            ``LoadImageFromFile`` loads it) or ``'grayscale'``.

    Returns:
        str: The written path.
    """
    import mmcv
    out = out or osp.splitext(src)[0] + MAPPED_SUFFIX
    if osp.abspath(out) == osp.abspath(src):
        raise ValueError(f'convert_to_mapped: {src} is already a mapped '
                         'image')
    img = mmcv.imread(src, flag=color_type)
    if img is None:
        raise ValueError(f'convert_to_mapped: cannot decode {src}')
    return save_mapped_image(img, out)


def _check_image(img: np.ndarray, path: str) -> None:
    if img.dtype != np.uint8 or img.ndim not in (2, 3) or (
            img.ndim == 3 and img.shape[2] not in (1, 3)) or min(
                img.shape[:2]) < 1:
        raise ValueError(f'{path}: a mapped image must be (H, W, 3), '
                         f'(H, W, 1) or (H, W) uint8, got shape '
                         f'{tuple(img.shape)} dtype {img.dtype}')


def map_image(path: str) -> np.ndarray:
    """Map a ``.npy`` image saved by :func:`save_mapped_image`.

    Args:
        path (str): The ``.npy`` file.

    Returns:
        np.ndarray: ``(H, W, C)`` uint8 backed by the file (an
        ``np.memmap``), registered for :func:`release_pages`.

    Raises:
        FileNotFoundError: No such file.
        ValueError: Not a numpy file, not C-contiguous, or not an image
            array; the message names the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'mapped image {path} does not exist')
    try:
        arr = np.load(path, mmap_mode='c', allow_pickle=False)
    except ValueError as e:
        raise ValueError(f'{path}: not a numpy array file ({e})') from e
    _check_image(arr, path)
    if arr.ndim == 2:
        arr = arr[..., None]
    if not isinstance(arr, np.memmap) or not arr.flags.c_contiguous:
        raise ValueError(f'{path}: a mapped image must be a C-ordered '
                         'array (save it with save_mapped_image)')
    mm = arr._mmap
    start = arr.ctypes.data
    with _lock:
        _maps[start] = [start + arr.nbytes, weakref.ref(mm), 0]
    return arr


def _find(ptr: int) -> Tuple[int, list]:
    for start, entry in list(_maps.items()):
        mm = entry[1]()
        if mm is None or mm.closed:
            del _maps[start]
        elif start <= ptr < entry[0]:
            return start, entry
    return -1, []


def _host_ptr(data: Union[torch.Tensor, np.ndarray]) -> Optional[int]:
    """The host address of ``data``'s first element (None on a device)."""
    if isinstance(data, torch.Tensor):
        return data.data_ptr() if data.device.type == 'cpu' else None
    return data.ctypes.data


def release_pages(data: Union[torch.Tensor, np.ndarray],
                  nbytes: int) -> bool:
    """Count ``nbytes`` read from ``data`` and, when its mapping has been
    read for :data:`RELEASE_BYTES` since the last release, drop the
    mapping's resident pages (``madvise(MADV_DONTNEED)``).

    Args:
        data (torch.Tensor | np.ndarray): A (view of a) mapped image; any
            other array or tensor is ignored.
        nbytes (int): Bytes just read from it.

    Returns:
        bool: Whether pages were dropped now.
    """
    ptr = _host_ptr(data)
    if ptr is None or not _maps:
        return False
    with _lock:
        start, entry = _find(ptr)
        if not entry:
            return False
        entry[2] += int(nbytes)
        if entry[2] < RELEASE_BYTES:
            return False
        entry[2] = 0
        mm = entry[1]()
    if mm is None:
        return False
    mm.madvise(mmap.MADV_DONTNEED)
    return True


def is_mapped(data: Union[torch.Tensor, np.ndarray]) -> bool:
    """Whether ``data`` lies in an image mapped by :func:`map_image`."""
    ptr = _host_ptr(data)
    if ptr is None:
        return False
    with _lock:
        return bool(_find(ptr)[1])
