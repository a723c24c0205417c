# Copyright (c) mmsniper contributors. All rights reserved.
"""Input checks of the chip functions: every problem is a ``ValueError``
that names it, raised before anything reaches the native op."""
import numbers
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ..ops.chip_cover import check_boxes

StrideLike = Union[int, Tuple[int, int]]
SeedLike = Union[None, int, np.random.Generator, np.random.SeedSequence]


def as_int(name: str, value, low: int, high: Optional[int] = None) -> int:
    """``value`` as an int in ``[low, high]``; integral floats are fine."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f'{name} must be an integer, got {value!r}')
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    if not isinstance(value, (numbers.Integral, np.integer)):
        raise ValueError(f'{name} must be an integer, got {value!r}')
    value = int(value)
    if value < low or (high is not None and value > high):
        raise ValueError(f'{name} must be in [{low}, '
                         f'{"inf" if high is None else high}], got {value}')
    return value


def as_boxes(boxes, name: str, min_cols: int = 4) -> np.ndarray:
    """Boxes as a float64 ``[N, min_cols]`` (or wider) array.

    Accepts numpy arrays, CPU or CUDA tensors (copied to the CPU), mmdet
    ``BaseBoxes`` (their ``.tensor``) and nested lists; ``None`` and empty
    arrays give ``[0, min_cols]``.

    Raises:
        ValueError: For a wrong type, dtype or shape, or NaN/inf values.
    """
    if boxes is None:
        return np.zeros((0, min_cols), dtype=np.float64)
    if hasattr(boxes, 'tensor') and isinstance(boxes.tensor, torch.Tensor):
        boxes = boxes.tensor
    if isinstance(boxes, torch.Tensor):
        if boxes.device.type not in ('cpu', 'cuda'):
            raise ValueError(f'{name} is on device {boxes.device}; only cpu '
                             'and cuda tensors are supported')
        if boxes.is_complex() or boxes.dtype == torch.bool:
            raise ValueError(f'{name} must have a real numeric dtype, got '
                             f'{boxes.dtype}')
        boxes = boxes.detach().cpu().to(torch.float64).numpy()
    elif isinstance(boxes, (list, tuple)):
        try:
            boxes = np.asarray(boxes, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f'{name} cannot be read as numbers: {e}') from e
    if not isinstance(boxes, np.ndarray):
        raise ValueError(f'{name} must be a numpy array, a torch tensor or '
                         f'a list, got {type(boxes).__name__}')
    if boxes.size == 0 and boxes.ndim <= 2:
        boxes = boxes.reshape(0, max(min_cols, boxes.shape[-1] if
                                     boxes.ndim == 2 else min_cols))
    if boxes.ndim != 2 or boxes.shape[1] < min_cols:
        raise ValueError(f'{name} must have shape [N, {min_cols}], got '
                         f'{list(boxes.shape)}')
    if boxes.dtype.kind not in 'fiu':
        raise ValueError(f'{name} must have a real numeric dtype, got '
                         f'{boxes.dtype}')
    check_boxes(np.ascontiguousarray(boxes[:, :4]), name)
    bad = np.flatnonzero(~np.isfinite(boxes).all(axis=1))
    if len(bad):
        raise ValueError(f'{name} has NaN or inf values in rows '
                         f'{bad[:5].tolist()}')
    return boxes.astype(np.float64)


def as_img_shape(img_shape) -> Tuple[int, int]:
    """``(h, w)`` from an ``(h, w)`` or ``(h, w, c)`` sequence."""
    if not isinstance(img_shape, (tuple, list, np.ndarray, torch.Size)) or \
            len(img_shape) < 2:
        raise ValueError(f'img_shape must be (h, w) or (h, w, c), got '
                         f'{img_shape!r}')
    h = as_int('img_shape height', img_shape[0], 1)
    w = as_int('img_shape width', img_shape[1], 1)
    return h, w


def as_stride(stride: StrideLike, chip_size: int) -> Tuple[int, int]:
    """``(lo, hi)`` inclusive stride range from an int or a pair."""
    if isinstance(stride, (tuple, list)):
        if len(stride) != 2:
            raise ValueError(f'stride must be an int or a (lo, hi) range, '
                             f'got {stride!r}')
        lo = as_int('stride low', stride[0], 1, chip_size)
        hi = as_int('stride high', stride[1], 1, chip_size)
        if lo > hi:
            raise ValueError(f'stride range {tuple(stride)} has lo > hi')
        return lo, hi
    s = as_int('stride', stride, 1, chip_size)
    return s, s


def as_rng(seed: SeedLike) -> np.random.Generator:
    """A Generator from a seed, a SeedSequence or a Generator (used as is,
    so the caller's stream advances)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return np.random.default_rng(as_int('seed', seed, 0))


def as_per_scale(name: str, value, num_scales: int,
                 default: Sequence[int]) -> np.ndarray:
    """int64 ``[S]`` from None (``default``), an int, or one int per
    scale."""
    if value is None:
        value = default
    if isinstance(value, (numbers.Integral, np.integer)):
        value = [value] * num_scales
    if len(value) != num_scales:
        raise ValueError(f'{name} needs one value per scale ({num_scales}), '
                         f'got {list(value)}')
    return np.array([as_int(name, v, 0) for v in value], dtype=np.int64)


def as_flags(flags, n: int, name: str) -> np.ndarray:
    """bool ``[N]`` from None (all False) or an array-like."""
    if flags is None:
        return np.zeros(n, dtype=bool)
    if isinstance(flags, torch.Tensor):
        flags = flags.detach().cpu().numpy()
    flags = np.asarray(flags)
    if flags.shape != (n, ):
        raise ValueError(f'{name} must have shape [{n}], got '
                         f'{list(flags.shape)}')
    return flags.astype(bool)
