# Copyright (c) mmsniper contributors. All rights reserved.
"""Valid ranges: the box sizes each scale is responsible for, in training
and at test time (SNIPER spec 1.2 and 4).

A valid range is a ``(lo, hi)`` pair in original-image pixels compared
with the box size ``sqrt(w * h)`` (no +1). An open bound is ``-1`` (at
test time also None, 0 or any bound that is not positive, and ``inf``);
:func:`open_bounds` turns a pair into ``0`` / ``inf`` for both sides.

The boundaries follow the original on each side, and each side uses one
rule everywhere:

- **training** (chips, box assignment, negative mining; SNIPER's chip
  generator): ``lo <= size < hi`` (:func:`in_range_masks` on the ranges of
  :func:`normalize_valid_ranges`);
- **test time** (the per-scale filter before the merge of
  ``SniperMultiScaleTTA`` / ``AutoFocusDetector``; ``Tester.aggregate``):
  ``lo < size <= hi``, on areas ``lo**2 < area <= hi**2``
  (:func:`valid_range_filter` on the ranges of
  :func:`check_valid_ranges`).

As in the original, a box of size exactly ``lo`` is therefore in range in
training and out at test time, one of size exactly ``hi`` the other way
round.

Shape shorthands: ``N`` boxes, ``S`` scales.
"""
import math
import numbers
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]

#: Valid ranges of the COCO training scales of the original
#: (:data:`~mmsniper.chips.scales.DEFAULT_SCALES`), original pixels.
DEFAULT_VALID_RANGES: Tuple[Tuple[float, float], ...] = ((-1, 80), (32, 150),
                                                         (120, -1))


def _is_number(x) -> bool:
    return isinstance(x, (numbers.Real, np.number)) and not isinstance(
        x, (bool, np.bool_))


def open_bounds(lo: Optional[float],
                hi: Optional[float]) -> Tuple[float, float]:
    """``(lo, hi)`` as floats with the open bounds made explicit: a lower
    bound that is None or not positive is ``0``, an upper bound that is
    None, not positive or ``inf`` is ``inf``.

    Example:
        >>> open_bounds(-1, 80), open_bounds(32, None), open_bounds(120, -1)
        ((0.0, 80.0), (32.0, inf), (120.0, inf))
    """
    lo = 0. if lo is None or float(lo) <= 0 else float(lo)
    hi = math.inf if hi is None or float(hi) <= 0 else float(hi)
    return lo, hi


def normalize_valid_ranges(valid_ranges: Sequence[Sequence[float]],
                           num_scales: int) -> np.ndarray:
    """The training ranges: ``(lo, hi)`` pairs with -1 for unbounded as a
    float64 ``[S, 2]`` array with ``0`` / ``inf``.

    Raises:
        ValueError: When the count differs from ``num_scales``, a pair is
            malformed, or ``lo >= hi`` (a negative bound other than -1 is
            an error here).
    """
    if len(valid_ranges) != num_scales:
        raise ValueError(f'{len(valid_ranges)} valid ranges given for '
                         f'{num_scales} scales; give one (lo, hi) per scale')
    out = np.zeros((num_scales, 2), dtype=np.float64)
    for i, r in enumerate(valid_ranges):
        if not (isinstance(r, (tuple, list, np.ndarray)) and len(r) == 2
                and all(_is_number(v) for v in r)):
            raise ValueError(f'valid range {i} must be a (lo, hi) pair, got '
                             f'{r!r}')
        lo, hi = float(r[0]), float(r[1])
        if math.isnan(lo) or math.isnan(hi) or lo < 0 and lo != -1 or \
                hi <= 0 and hi != -1:
            lo = hi = math.nan  # reported below
        else:
            lo, hi = open_bounds(lo, hi)
        if not lo < hi:
            raise ValueError(f'valid range {i} {tuple(r)} must satisfy '
                             '0 <= lo < hi (-1 = unbounded)')
        out[i] = lo, hi
    return out


def in_range_masks(sizes: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """Training rule, bool ``[N, S]``: ``lo <= size < hi`` per box and
    scale (``ranges`` from :func:`normalize_valid_ranges`)."""
    sizes = np.asarray(sizes, dtype=np.float64)[:, None]
    return (sizes >= ranges[None, :, 0]) & (sizes < ranges[None, :, 1])


def check_valid_ranges(valid_ranges: Optional[Sequence], num_scales: int,
                       where: str) -> list:
    """The test-time ranges: one ``(lo, hi)`` pair (original px, -1 open)
    or None (no filter) per scale.

    Args:
        valid_ranges (Sequence, optional): The ranges; None: no filter.
        num_scales (int): Number of scales.
        where (str): Named in the messages.

    Returns:
        list: ``num_scales`` tuples ``(lo, hi)`` (as given) or None.

    Raises:
        ValueError: A count that differs from ``num_scales``, a range that
            is not two numbers, or ``lo >= hi`` with both bounded.
    """
    if valid_ranges is None:
        return [None] * num_scales
    if len(valid_ranges) != num_scales:
        raise ValueError(f'{where}: {len(valid_ranges)} valid ranges for '
                         f'{num_scales} scales; give one (lo, hi) per scale')
    out = []
    for r in valid_ranges:
        if r is None:
            out.append(None)
            continue
        if not isinstance(r, (tuple, list)) or len(r) != 2 or not all(
                isinstance(v, numbers.Real) and not isinstance(v, bool)
                for v in r):
            raise ValueError(f'{where}: valid range {r!r} is not a (lo, hi) '
                             'pair of numbers (-1 open)')
        lo, hi = open_bounds(*r)
        if not lo < hi:
            raise ValueError(f'{where}: valid range {tuple(r)} has lo >= hi')
        out.append(tuple(r))
    return out


def valid_range_filter(bboxes: ArrayLike,
                       valid_range: Sequence[float]) -> ArrayLike:
    """Test-time rule: mask of detections whose size lies in a scale's
    valid range.

    Follows ``Tester.aggregate`` of the original: with ``area = (x2 - x1) *
    (y2 - y1)`` in original-image pixels (no +1), a box is valid when
    ``area > lo ** 2`` (strict) and ``area <= hi ** 2`` (inclusive); open
    bounds as in :func:`open_bounds`.

    Args:
        bboxes (np.ndarray | torch.Tensor): Boxes ``[x1, y1, x2, y2]`` in
            original-image pixels, shape (N, 4).
        valid_range (Sequence[float]): ``(lo, hi)`` side lengths (sqrt of the
            area) in original-image pixels, e.g. ``(32, 180)``, ``(-1, 90)``.

    Returns:
        np.ndarray | torch.Tensor: Boolean keep mask, shape (N, ).

    Example:
        >>> boxes = np.array([[0, 0, 32, 32], [0, 0, 33, 32], [0, 0, 180, 180],
        ...                   [0, 0, 181, 180]], dtype=np.float32)
        >>> valid_range_filter(boxes, (32, 180)).tolist()
        [False, True, True, False]
    """
    if len(valid_range) != 2:
        raise ValueError(f'valid_range must be a (lo, hi) pair, got '
                         f'{valid_range!r}')
    lo, hi = open_bounds(*valid_range)
    areas = (bboxes[:, 2] - bboxes[:, 0]) * (bboxes[:, 3] - bboxes[:, 1])
    if isinstance(areas, torch.Tensor):
        keep = torch.ones_like(areas, dtype=torch.bool)
    else:
        keep = np.ones(areas.shape, dtype=bool)
    if lo > 0:
        keep = keep & (areas > lo * lo)
    if hi < math.inf:
        keep = keep & (areas <= hi * hi)
    return keep
