# Copyright (c) mmsniper contributors. All rights reserved.
"""Negative chips from proposals (SNIPER spec 2): :func:`mine_negative_chips`.

Per scale: the proposals valid there (same rules as ground truth) that no
positive chip of the scale covers are covered by the same greedy (same
stride, a new tie-break shuffle); a resulting chip is kept when it holds
more than ``M`` of them (``M`` = 25 at the finest scale, 10 elsewhere).
Then ``n`` kept chips per image (2 by default) are sampled at random.
:func:`mine_negative_chips` is the only implementation: both
:func:`~mmsniper.chips.generate_chips` (``proposals=``) and the
``NegChipMine`` transform call it.

Shape shorthands: ``P`` proposals, ``C`` chips, ``K`` positive chips,
``S`` scales.
"""
from typing import List, NamedTuple, Sequence, Tuple

import numpy as np

from ..utils.checks import as_boxes, as_img_shape, as_int
from .cover import (boxes_to_cover, chips_to_original, clip_to_image,
                    cover_scale)
from .scales import DEFAULT_CHIP_SIZE, box_sizes, scaled_size
from .valid_ranges import (DEFAULT_VALID_RANGES, in_range_masks,
                           normalize_valid_ranges)
from .validate import SeedLike, as_per_scale, as_rng

#: Default ``M`` of the negative chips: > 25 proposals at the finest scale,
#: > 10 at the others (spec 2).
NEG_MIN_PROPOSALS_FINEST = 25
NEG_MIN_PROPOSALS_OTHERS = 10


def default_min_proposals(num_scales: int) -> List[int]:
    """The original's ``M`` per scale: 25 at the finest, 10 elsewhere."""
    return [NEG_MIN_PROPOSALS_FINEST
            ] + [NEG_MIN_PROPOSALS_OTHERS] * (num_scales - 1)


class NegativeChips(NamedTuple):
    """Negative chips of one image (:func:`mine_negative_chips`).

    Attributes:
        chips (np.ndarray): float32 ``[n, 4]`` x1y1x2y2, original pixels.
        chips_scaled (np.ndarray): int32 ``[n, 4]`` in the pixels of the
            image resized by the chip's scale factor.
        scale_inds (np.ndarray): int64 ``[n]`` scale of each chip.
        num_candidates (int): Chips kept (``> M`` proposals) before the
            sampling, all scales.
    """
    chips: np.ndarray
    chips_scaled: np.ndarray
    scale_inds: np.ndarray
    num_candidates: int


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


def mine_negative_chips(proposals,
                        img_shape: Sequence[int],
                        pos_chips_scaled,
                        pos_scale_inds,
                        factors: Sequence[float],
                        valid_ranges: Sequence[Sequence[float]] = (
                            DEFAULT_VALID_RANGES),
                        chip_size: int = DEFAULT_CHIP_SIZE,
                        stride: int = 32,
                        min_proposals=None,
                        num_neg_chips: int = 2,
                        seed: SeedLike = 0,
                        prune: bool = True,
                        coarsest_whole_image: bool = True,
                        min_box_side: float = 2.0,
                        backend: str = 'auto') -> NegativeChips:
    """Negative chips of one image from its proposals (spec 2).

    Random draws, in this order, from ``seed``: one greedy tie-break seed
    per scale, then the choice of ``num_neg_chips`` among the kept chips.
    An image without proposals (``P = 0``) gets no negative chip.

    Args:
        proposals (np.ndarray | torch.Tensor): ``[P, 4]`` or ``[P, 5]``
            (score ignored, as in the original) x1y1x2y2, original pixels;
            clipped to the image. Finite.
        img_shape (Sequence[int]): ``(h, w)`` of the original image.
        pos_chips_scaled (np.ndarray): int ``[K, 4]`` positive chips of the
            image in scaled pixels (:attr:`ChipResult.chips_scaled`).
        pos_scale_inds (np.ndarray): int ``[K]`` their scales.
        factors (Sequence[float]): ``[S]`` resize factor of each scale,
            finest first (:attr:`ChipResult.factors_per_scale`).
        valid_ranges, chip_size, prune, coarsest_whole_image,
            min_box_side, backend: As in
            :func:`~mmsniper.chips.generate_chips` (the proposals valid at a
            scale follow the ground-truth rules).
        stride (int): The stride the positive chips used
            (:attr:`ChipResult.stride`). Defaults to 32.
        min_proposals (int | Sequence[int], optional): ``M`` per scale; a
            chip is kept when it holds more than ``M`` proposals. Defaults
            to None (:func:`default_min_proposals`).
        num_neg_chips (int): Chips sampled, pooled over scales (all when
            fewer are kept). Defaults to 2.
        seed (int | np.random.Generator | np.random.SeedSequence | None):
            Random source; a Generator is used (advanced) as is. Defaults
            to 0.

    Returns:
        NegativeChips: The sampled chips, scale order then emission order.

    Raises:
        ValueError: Naming the argument, for bad proposals (shape, dtype,
            NaN/inf), shapes, factors, scale indices or thresholds.
    """
    h, w = as_img_shape(img_shape)
    factors = np.asarray(factors, dtype=np.float64).reshape(-1)
    num_scales = len(factors)
    if num_scales == 0 or not (np.isfinite(factors) & (factors > 0)).all():
        raise ValueError(f'factors must be positive numbers, one per scale, '
                         f'got {factors.tolist()}')
    ranges = normalize_valid_ranges(valid_ranges, num_scales)
    chip_size = as_int('chip_size', chip_size, 1, 1 << 20)
    stride = as_int('stride', stride, 1, chip_size)
    num_neg_chips = as_int('num_neg_chips', num_neg_chips, 0)
    m = as_per_scale('min_proposals', min_proposals, num_scales,
                     default_min_proposals(num_scales))
    pos = np.asarray(pos_chips_scaled).reshape(-1, 4)
    pos_s = np.asarray(pos_scale_inds, dtype=np.int64).reshape(-1)
    if len(pos_s) != len(pos) or ((pos_s < 0) | (pos_s >= num_scales)).any():
        raise ValueError(f'pos_scale_inds must be {len(pos)} scale indices '
                         f'in [0, {num_scales}), got {pos_s.tolist()[:8]}')
    props = as_boxes(proposals, 'proposals')[:, :4]
    rng = as_rng(seed)
    seeds = rng.integers(0, 1 << 63, size=num_scales, dtype=np.int64)

    found: List[Tuple[np.ndarray, int]] = []
    if len(props):
        props, p_wh, p_dropped = clip_to_image(props, h, w)
        p_in_range = in_range_masks(box_sizes(props), ranges)
    for i in range(num_scales if len(props) else 0):
        f, shape = float(factors[i]), scaled_size((h, w), factors[i])
        whole = coarsest_whole_image and i == num_scales - 1
        ps, _ = boxes_to_cover(props, p_wh, ~p_dropped, p_in_range[:, i], f,
                               shape, chip_size, stride, whole, min_box_side)
        found.append((negative_chips_scale(ps, pos[pos_s == i], f, shape,
                                           int(m[i]), chip_size, stride,
                                           int(seeds[i]), prune, whole,
                                           backend), i))
    pick = sample_negatives([len(c) for c, _ in found], num_neg_chips, rng)
    scaled = np.concatenate([c for c, _ in found] +
                            [np.zeros((0, 4), np.int32)]).astype(np.int32)
    scale_inds = np.concatenate([np.full(len(c), i, np.int64)
                                 for c, i in found] + [np.zeros(0, np.int64)])
    scaled, scale_inds = scaled[pick], scale_inds[pick]
    chips = np.zeros((len(pick), 4), np.float64)
    for i in np.unique(scale_inds):
        sel = scale_inds == i
        chips[sel] = chips_to_original(scaled[sel], factors[i],
                                       scaled_size((h, w), factors[i]),
                                       (h, w))
    return NegativeChips(chips.astype(np.float32), scaled, scale_inds,
                         sum(len(c) for c, _ in found))
