# Copyright (c) mmsniper contributors. All rights reserved.
"""Chip parameters of the chip functions (stride ranges, seeds, per-scale
counts): every problem is a ``ValueError`` that names it, raised before
anything reaches the native op. The generic checks (integers, boxes, image
shapes, flags) are in :mod:`mmsniper.utils.checks`."""
import numbers
from typing import Sequence, Tuple, Union

import numpy as np

from ..utils.checks import as_int

StrideLike = Union[int, Tuple[int, int]]
SeedLike = Union[None, int, np.random.Generator, np.random.SeedSequence]


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
