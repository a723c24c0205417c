# Copyright (c) mmsniper contributors. All rights reserved.
"""Keep the host heap of a huge-scene run from growing with the scene:
:func:`bound_host_heap`.

A whole-image pass over a huge scene runs the detector on hundreds of tiles
on the CPU. Each tile allocates and frees tens of MB of activations while
its candidates (a few KB) stay alive until the merge. glibc raises its mmap
threshold each time a large mmapped block is freed (up to 32 MB), so the
activations of later tiles are cut from the heap, between long-lived
candidates: the heap fragments and the RSS grows with the number of tiles
(+22% from 22 to 200 Mpix for the pyramid, docs/benchmarks.md, "Huge
images"). Fixing the threshold (``mallopt(M_MMAP_THRESHOLD, ...)``, which
also stops its adjustment) serves every block above it from its own
mapping, returned to the system when freed: +3% on the same run.
``malloc_trim`` after each tile did not help (+24%).

The setting is process-wide and costs a page fault per page of each large
block, so the test-time wrappers apply it only on a CPU run over a scene of
at least :data:`HUGE_SCENE_PIXELS`; ``MALLOC_MMAP_THRESHOLD_`` in the
environment (glibc's own switch) takes precedence.
"""
import ctypes
import ctypes.util
import os
from typing import Optional

#: glibc's ``M_MMAP_THRESHOLD`` parameter of ``mallopt``.
M_MMAP_THRESHOLD = -3
#: Blocks of at least this many bytes get their own mapping (glibc's
#: initial default, which it otherwise raises as the run goes).
HOST_MMAP_THRESHOLD = 128 << 10
#: Scenes of at least this many pixels (height x width) bound the heap.
HUGE_SCENE_PIXELS = 16 << 20

_mallopt: Optional[object] = None
_looked_up = False
_applied = False


def _glibc_mallopt():
    """glibc's ``mallopt`` or None (another libc, another OS)."""
    global _mallopt, _looked_up
    if not _looked_up:
        _looked_up = True
        name = ctypes.util.find_library('c')
        try:
            fn = getattr(ctypes.CDLL(name), 'mallopt', None) if name else None
        except OSError:
            fn = None
        if fn is not None:
            fn.argtypes = [ctypes.c_int, ctypes.c_int]
            fn.restype = ctypes.c_int
        _mallopt = fn
    return _mallopt


def bound_host_heap(threshold: int = HOST_MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes, once per process.

    Args:
        threshold (int): Bytes. Defaults to :data:`HOST_MMAP_THRESHOLD`.

    Returns:
        bool: Whether the threshold is fixed now (by this call, an earlier
        one or ``MALLOC_MMAP_THRESHOLD_``); False where glibc's ``mallopt``
        is not available.
    """
    global _applied
    if _applied or 'MALLOC_MMAP_THRESHOLD_' in os.environ:
        return True
    fn = _glibc_mallopt()
    if fn is None:
        return False
    _applied = bool(fn(M_MMAP_THRESHOLD, int(threshold)))
    return _applied
