# Copyright (c) mmsniper contributors. All rights reserved.
"""Negative chips from proposals (SNIPER spec 2).

Per scale: the proposals valid there (same rules as ground truth) that no
positive chip of the scale covers are covered by the same greedy (same
stride, same tie-break seed); a resulting chip is kept when it holds more
than ``M`` of them (``M`` = 25 at the finest scale, 10 elsewhere). Then
``n`` kept chips per image (2 by default) are sampled at random.

Shape shorthands: ``P`` proposals, ``C`` chips.
"""
from typing import List, Tuple

import numpy as np

from .cover import cover_scale


def uncovered_by(chips: np.ndarray, boxes: np.ndarray,
                 min_overlap: float) -> np.ndarray:
    """bool ``[P]``: boxes that no chip covers in the original's sense.

    The original counts a proposal as covered by a positive chip when its
    arg-max chip holds a non-degenerate part of it: here, when some chip
    overlaps it by at least ``min_overlap`` pixels along both axes.

    Args:
        chips (np.ndarray): ``[C, 4]`` positive chips.
        boxes (np.ndarray): ``[P, 4]`` proposals, same pixel frame.
        min_overlap (float): Minimum overlap along x and y.
    """
    out = np.ones(len(boxes), dtype=bool)
    if len(chips) == 0 or len(boxes) == 0:
        return out
    step = max(1, (1 << 22) // len(boxes))
    b = boxes[None, :, :4].astype(np.float64)
    for start in range(0, len(chips), step):
        c = chips[start:start + step, None, :].astype(np.float64)
        dx = np.minimum(c[..., 2], b[..., 2]) - np.maximum(c[..., 0],
                                                           b[..., 0])
        dy = np.minimum(c[..., 3], b[..., 3]) - np.maximum(c[..., 1],
                                                           b[..., 1])
        out &= ~((dx >= min_overlap) & (dy >= min_overlap)).any(axis=0)
    return out


def negative_chips_scale(props_scaled: np.ndarray,
                         pos_chips_scaled: np.ndarray,
                         factor: float,
                         scaled_shape: Tuple[int, int],
                         min_proposals: int,
                         chip_size: int,
                         stride: int,
                         seed: int,
                         prune: bool = False,
                         whole_image: bool = False,
                         backend: str = 'auto') -> np.ndarray:
    """Negative chip candidates of one scale.

    Args:
        props_scaled (np.ndarray): float32 ``[P, 4]`` proposals valid at
            this scale, in scaled pixels.
        pos_chips_scaled (np.ndarray): int ``[C, 4]`` positive chips of the
            scale, scaled pixels.
        factor (float): Scale factor (1 original pixel = ``factor`` scaled
            pixels, used for the 1-pixel overlap rule).
        scaled_shape (tuple[int, int]): ``(h, w)`` of the scaled image.
        min_proposals (int): Keep a chip holding more than this many.
        chip_size, stride, seed, prune, whole_image, backend: As in
            :func:`~mmsniper.chips.cover.cover_scale`.

    Returns:
        np.ndarray: int32 ``[C', 4]`` kept chips in scaled pixels, in
        emission order.
    """
    rest = props_scaled[uncovered_by(pos_chips_scaled, props_scaled,
                                     factor)]
    chips, box_chip = cover_scale(rest, scaled_shape, chip_size, stride,
                                  seed, prune, whole_image, backend)
    if len(chips) == 0:
        return chips
    counts = np.bincount(box_chip[box_chip >= 0], minlength=len(chips))
    return chips[counts > min_proposals]


def sample_negatives(num_per_scale: List[int], num_neg_chips: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Pick ``num_neg_chips`` of the pooled negative candidates at random.

    Args:
        num_per_scale (list[int]): Kept candidates of each scale, pooled in
            scale order.
        num_neg_chips (int): Chips to sample per image (all when fewer).
        rng (np.random.Generator): Random source.

    Returns:
        np.ndarray: Sorted int64 indices into the pool.
    """
    total = int(sum(num_per_scale))
    if total == 0 or num_neg_chips == 0:
        return np.zeros(0, dtype=np.int64)
    if total <= num_neg_chips:
        return np.arange(total, dtype=np.int64)
    return np.sort(rng.choice(total, num_neg_chips, replace=False))
