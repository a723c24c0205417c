# Copyright (c) mmsniper contributors. All rights reserved.
"""Greedy full-containment chip cover (SNIPER positive chips, spec 1.4).

Python wrapper of ``mmsniper._ext.chip_cover`` (C++ on CPU tensors, CUDA on
GPU tensors) with the numpy reference :mod:`.chip_cover_ref` as fallback.
Every input is checked here, before it reaches C++, so bad input raises a
``ValueError`` naming the problem instead of crashing the process.
"""
import math
import warnings
from typing import Tuple, Union

import numpy as np
import torch

from ..utils.checks import as_int, check_boxes
from .chip_cover_ref import chip_cover_ref
from .ext_loader import try_load_ext, warn_fallback

ext_module = try_load_ext('_ext', ['chip_cover', 'chip_cover_numpy'])

ArrayLike = Union[np.ndarray, torch.Tensor]

#: Upper bound on the number of candidate chips of one cover (the op keeps
#: one 8-byte key per candidate: 2**25 candidates = 256 MiB).
MAX_CANDIDATES = 1 << 25
#: Upper bound on a scaled image side (pixels).
MAX_SIDE = 1 << 30


def num_candidates(width: int, height: int, chip_size: int,
                   stride: int) -> int:
    """Number of candidate chips ``M`` of an image (see
    :func:`~.chip_cover_ref.axis_origins`)."""

    def n(size):
        return 1 if size <= chip_size else (size - chip_size + stride -
                                            1) // stride + 1

    return n(width) * n(height)


def chip_cover(boxes: ArrayLike,
               width: int,
               height: int,
               chip_size: int = 512,
               stride: int = 32,
               seed: int = 0,
               prune: bool = False,
               backend: str = 'auto') -> Tuple[ArrayLike, ArrayLike]:
    """Greedy full-containment cover of boxes by fixed-size chips.

    Candidate chips of side ``chip_size`` start on a grid of step ``stride``
    plus one edge chip per row/column (clipped to the image when it is
    smaller than a chip). A box is covered by a chip only when it lies fully
    inside it. Repeatedly the candidate holding the most uncovered boxes is
    emitted (ties: lowest seeded priority, i.e. the original's random
    shuffle) until every box held by some candidate is covered.

    Args:
        boxes (np.ndarray | torch.Tensor): ``[N, 4]`` x1y1x2y2 in the
            pixels of the image to cover (already scaled). Any real dtype;
            converted to float32. Must be finite. Boxes that no candidate
            holds (partly outside the image, or larger than a chip) get -1.
        width (int): Image width, ``1 <= width <= 2**30``.
        height (int): Image height, ``1 <= height <= 2**30``.
        chip_size (int): Chip side. Defaults to 512.
        stride (int): Grid stride, ``1 <= stride <= chip_size``.
            Defaults to 32.
        seed (int): Tie-break seed, ``0 <= seed < 2**63``. Defaults to 0.
        prune (bool): Also drop chips whose boxes all lie inside other
            emitted chips (fewer chips, same coverage). Defaults to False.
        backend (str): ``'auto'`` (the extension when built, else numpy),
            ``'ext'`` or ``'numpy'``. Defaults to ``'auto'``.

    Numpy arrays go to the C++ op without tensor conversions; CPU tensors
    to the C++ op; CUDA tensors to the CUDA op (or, when the extension was
    built without CUDA, to the C++ op with a warning, results moved back).
    Without the extension the numpy reference runs (same results), with a
    one-time warning.

    Returns:
        tuple: Same array type (and device) as ``boxes``:

        - chips: int32 ``[C, 4]`` x1y1x2y2 in emission order.
        - box_chip: int64 ``[N]``, index into ``chips`` of the chip covering
          each box, -1 if none.

    Raises:
        ValueError: For a wrong type, dtype, shape or device of ``boxes``,
            non-finite coordinates, out-of-range sizes, or more than
            :data:`MAX_CANDIDATES` candidates (use a larger stride).

    Example:
        >>> import numpy as np
        >>> boxes = np.array([[10, 10, 50, 50], [600, 10, 650, 40]],
        ...                  dtype=np.float32)
        >>> chips, box_chip = chip_cover(boxes, 1000, 600, 512, 32)
        >>> chips.tolist(), box_chip.tolist()
        ([[160, 0, 672, 512], [0, 0, 512, 512]], [1, 0])
    """
    if not (type(boxes) is np.ndarray and boxes.dtype == np.float32
            and boxes.ndim == 2 and boxes.shape[1] == 4
            and boxes.flags.c_contiguous
            and math.isfinite(np.add.reduce(boxes, axis=None))):
        check_boxes(boxes)  # the fast path above covers the common case
    width = as_int('width', width, 1, MAX_SIDE)
    height = as_int('height', height, 1, MAX_SIDE)
    chip_size = as_int('chip_size', chip_size, 1, MAX_SIDE)
    stride = as_int('stride', stride, 1, chip_size)
    seed = as_int('seed', seed, 0, (1 << 63) - 1)
    if backend not in ('auto', 'ext', 'numpy'):
        raise ValueError(f"backend must be 'auto', 'ext' or 'numpy', got "
                         f'{backend!r}')
    m = num_candidates(width, height, chip_size, stride)
    if m > MAX_CANDIDATES:
        raise ValueError(
            f'{width}x{height} image with chip_size={chip_size} and '
            f'stride={stride} has {m} candidate chips (> {MAX_CANDIDATES}); '
            'use a larger stride')
    if backend == 'ext' and ext_module is None:
        raise ValueError("backend='ext' but mmsniper._ext is not built")

    use_ext = ext_module is not None and backend != 'numpy'
    if not isinstance(boxes, torch.Tensor):
        b = np.ascontiguousarray(boxes.reshape(-1, 4), dtype=np.float32)
        n = len(b)
        if use_ext:  # numpy in, numpy out: no tensor conversions
            out = ext_module.chip_cover_numpy(b, width, height, chip_size,
                                              stride, seed, bool(prune))
            return out[n:].reshape(-1, 4).astype(np.int32), out[:n]
        if backend == 'auto':
            warn_fallback('chip_cover')
        return chip_cover_ref(b, width, height, chip_size, stride, seed,
                              bool(prune))

    device = boxes.device
    t = boxes.detach().reshape(-1, 4).to(torch.float32).contiguous()
    n = t.shape[0]
    if use_ext and t.is_cuda and not ext_module.with_cuda():
        warnings.warn('mmsniper._ext was built without CUDA: chip_cover '
                      'runs on the CPU for CUDA inputs')
        t = t.cpu()
    if use_ext:
        out = ext_module.chip_cover(t, width, height, chip_size, stride, seed,
                                    bool(prune))  # [box_chip (N), chips]
        return (out[n:].view(-1, 4).to(torch.int32).to(device),
                out[:n].to(device))
    if backend == 'auto':
        warn_fallback('chip_cover')
    chips, box_chip = chip_cover_ref(t.cpu().numpy(), width, height,
                                     chip_size, stride, seed, bool(prune))
    return (torch.from_numpy(chips).to(device),
            torch.from_numpy(box_chip).to(device))
