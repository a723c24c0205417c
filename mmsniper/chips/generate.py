# Copyright (c) mmsniper contributors. All rights reserved.
"""SNIPER chips of one image: :func:`generate_chips`.

Shape shorthands: ``N`` ground-truth boxes, ``P`` proposals, ``S`` scales,
``K`` chips.
"""
from typing import List, Sequence

import numpy as np

from ..utils.checks import as_boxes, as_flags, as_img_shape, as_int
from .assign import group_by_chip, split_valid_invalid
from .cover import (boxes_to_cover, chips_to_original, clip_to_image,
                    cover_scale)
from .negatives import default_min_proposals, mine_negative_chips
from .result import ChipResult
from .scales import (DEFAULT_CHIP_SIZE, DEFAULT_SCALES, ScaleSpec, box_sizes,
                     scale_factors, scaled_size)
from .valid_ranges import (DEFAULT_VALID_RANGES, in_range_masks,
                           normalize_valid_ranges)
from .validate import SeedLike, StrideLike, as_per_scale, as_rng, as_stride


def cover_inputs(gt_bboxes,
                 img_shape: Sequence[int],
                 scales: Sequence[ScaleSpec] = DEFAULT_SCALES,
                 valid_ranges: Sequence[Sequence[float]] = (
                     DEFAULT_VALID_RANGES),
                 chip_size: int = DEFAULT_CHIP_SIZE,
                 stride: int = 32,
                 gt_ignore_flags=None,
                 coarsest_whole_image: bool = True,
                 min_box_side: float = 2.0) -> List[dict]:
    """What :func:`generate_chips` hands to the greedy at each scale (for
    benchmarks and debugging).

    Returns:
        list[dict]: One dict per scale with ``boxes`` (float32 ``[n, 4]``
        scaled boxes to cover), ``inds`` (their indices into
        ``gt_bboxes``), ``factor``, ``scaled_shape`` ``(h, w)`` and
        ``whole_image`` (the coarsest scale's rule applies).
    """
    h, w = as_img_shape(img_shape)
    ranges = normalize_valid_ranges(valid_ranges, len(scales))
    factors = scale_factors(scales, (h, w))
    gt = as_boxes(gt_bboxes, 'gt_bboxes')[:, :4]
    ignore = as_flags(gt_ignore_flags, len(gt), 'gt_ignore_flags')
    gt_c, wh, dropped = clip_to_image(gt, h, w)
    in_range = in_range_masks(box_sizes(gt_c), ranges)
    out = []
    for i, f in enumerate(factors):
        shape = scaled_size((h, w), f)
        whole = coarsest_whole_image and i == len(scales) - 1
        bs, inds = boxes_to_cover(gt_c, wh, ~dropped & ~ignore,
                                  in_range[:, i], float(f), shape, chip_size,
                                  stride, whole, min_box_side)
        out.append(
            dict(boxes=bs, inds=inds, factor=float(f), scaled_shape=shape,
                 whole_image=whole))
    return out


def generate_chips(gt_bboxes,
                   img_shape: Sequence[int],
                   scales: Sequence[ScaleSpec] = DEFAULT_SCALES,
                   valid_ranges: Sequence[Sequence[float]] = (
                       DEFAULT_VALID_RANGES),
                   chip_size: int = DEFAULT_CHIP_SIZE,
                   stride: StrideLike = 32,
                   proposals=None,
                   gt_ignore_flags=None,
                   num_neg_chips: int = 2,
                   neg_min_proposals=None,
                   seed: SeedLike = 0,
                   prune: bool = True,
                   coarsest_whole_image: bool = True,
                   min_box_side: float = 2.0,
                   backend: str = 'auto') -> ChipResult:
    """SNIPER training chips of one image at every scale.

    For each scale (finest first), the ground-truth boxes whose size
    ``sqrt(w * h)`` (original pixels) lies in the scale's valid range and
    that fit in a chip are covered by ``chip_size`` chips with the greedy of
    spec 1.4 (a box counts only when fully inside). At the coarsest scale
    the single chip is the whole resized image. Each valid box is assigned
    to the chip that covered it; every other box overlapping a chip is
    invalid (ignored) there. With ``proposals``, negative chips are mined
    as in spec 2 and ``num_neg_chips`` of them are sampled, by
    :func:`~mmsniper.chips.mine_negative_chips` (the same function as the
    ``NegChipMine`` transform).

    Everything random comes from ``seed``: equal seeds give equal chips, so
    every distributed rank computes the same list; pass a new seed per
    epoch (e.g. ``hash((base_seed, epoch, img_id))``) for the original's
    per-epoch resampling. Draw order: the stride, one tie-break seed per
    scale (positive chips), then the negative mining's draws, so the
    positive chips do not depend on ``proposals``.

    Args:
        gt_bboxes (np.ndarray | torch.Tensor | BaseBoxes): ``[N, 4]`` x1y1x2y2
            ground-truth boxes, original pixels. Finite; partly outside
            boxes are clipped to the image; boxes without area inside the
            image are dropped (``gt_dropped``).
        img_shape (Sequence[int]): ``(h, w)`` or ``(h, w, c)``.
        scales (Sequence): Scale specs, finest first (see
            :mod:`mmsniper.chips.scales`). Defaults to ``(3.0, 1.667, 512)``.
        valid_ranges (Sequence): One ``(lo, hi)`` per scale, original
            pixels, -1 = unbounded. Defaults to
            ``((-1, 80), (32, 150), (120, -1))``.
        chip_size (int): Chip side. Defaults to 512.
        stride (int | tuple[int, int]): Candidate grid stride, or an
            inclusive ``(lo, hi)`` range drawn once per call (the original
            trains with ``(56, 59)``). Defaults to 32.
        proposals (np.ndarray, optional): ``[P, 4]`` or ``[P, 5]`` (with
            scores, unused as in the original) proposals for negative
            chips, original pixels. Defaults to None (no negatives).
        gt_ignore_flags (np.ndarray, optional): bool ``[N]``; flagged boxes
            (e.g. crowd) never make chips and are invalid wherever they
            overlap one. Defaults to None.
        num_neg_chips (int): Negative chips sampled per image. Defaults
            to 2.
        neg_min_proposals (int | Sequence[int], optional): ``M`` per scale:
            a negative chip is kept when it holds more than ``M`` proposals.
            Defaults to 25 for the finest scale and 10 for the others.
        seed (int | np.random.Generator | np.random.SeedSequence | None):
            Source of the stride jitter, the tie-break "shuffle" and the
            negative sampling. None draws fresh entropy. Defaults to 0.
        prune (bool): Drop chips whose boxes all lie inside other chips
            (fewer chips, same coverage; not in the original). Defaults to
            True.
        coarsest_whole_image (bool): Use the whole resized image as the
            coarsest scale's single chip (the original's rule), even when it
            exceeds ``chip_size``. If False the coarsest scale is tiled like
            the others. Defaults to True.
        min_box_side (float): Boxes narrower or shorter than this (original
            pixels) are not valid at the non-coarsest scales (the original's
            ``w >= 2 and h >= 2``). Defaults to 2.
        backend (str): Greedy implementation: ``'auto'`` (native op when
            built), ``'ext'`` or ``'numpy'`` (the reference; same result).

    Returns:
        ChipResult: Positive chips (scale order, then greedy order), then
        the sampled negative chips. See :class:`ChipResult` for fields and
        shapes.

    Raises:
        ValueError: Naming the problem, for a bad box array (type, dtype,
            shape, NaN/inf), image shape, scale, valid range, stride,
            chip size or seed, or an image so large at some scale that the
            candidate grid would exceed the op's memory bound.

    Example:
        >>> import numpy as np
        >>> gt = np.array([[100, 100, 130, 120], [400, 300, 700, 560]],
        ...               dtype=np.float32)
        >>> res = generate_chips(gt, (800, 1000), seed=0)
        >>> res.scale_inds.tolist(), res.valid_inds[0].tolist()
        ([0, 2], [0])
        >>> res.invalid_inds[0].tolist(), res.valid_inds[1].tolist()
        ([], [1])
    """
    h, w = as_img_shape(img_shape)
    if isinstance(scales, (str, bytes)) or len(scales) == 0:
        raise ValueError(f'scales must be a non-empty sequence, got '
                         f'{scales!r}')
    num_scales = len(scales)
    ranges = normalize_valid_ranges(valid_ranges, num_scales)
    factors = scale_factors(scales, (h, w))
    chip_size = as_int('chip_size', chip_size, 1, 1 << 20)
    stride_lo, stride_hi = as_stride(stride, chip_size)
    num_neg_chips = as_int('num_neg_chips', num_neg_chips, 0)
    neg_m = as_per_scale('neg_min_proposals', neg_min_proposals,
                         num_scales, default_min_proposals(num_scales))
    if backend not in ('auto', 'ext', 'numpy'):
        raise ValueError(f"backend must be 'auto', 'ext' or 'numpy', got "
                         f'{backend!r}')

    gt = as_boxes(gt_bboxes, 'gt_bboxes')[:, :4]
    n = len(gt)
    ignore = as_flags(gt_ignore_flags, n, 'gt_ignore_flags')
    props = None
    if proposals is not None:
        props = as_boxes(proposals, 'proposals')[:, :4]

    rng = as_rng(seed)
    stride_val = int(rng.integers(stride_lo, stride_hi + 1))
    seeds = rng.integers(0, 1 << 63, size=num_scales, dtype=np.int64)

    gt_c, wh, dropped = clip_to_image(gt, h, w)
    usable = ~dropped & ~ignore
    in_range = in_range_masks(box_sizes(gt_c), ranges)

    gt_valid = np.zeros((n, num_scales), dtype=bool)
    gt_chip = np.full((n, num_scales), -1, dtype=np.int64)
    scaled_shapes = np.array([scaled_size((h, w), f) for f in factors],
                             dtype=np.int64).reshape(num_scales, 2)
    pos: List[np.ndarray] = []  # chips_scaled of each scale
    num_pos = 0
    for i in range(num_scales):
        f, shape = float(factors[i]), tuple(int(v) for v in scaled_shapes[i])
        whole = coarsest_whole_image and i == num_scales - 1
        bs, inds = boxes_to_cover(gt_c, wh, usable, in_range[:, i], f, shape,
                                  chip_size, stride_val, whole, min_box_side)
        chips_s, box_chip = cover_scale(bs, shape, chip_size, stride_val,
                                        int(seeds[i]), prune, whole, backend)
        if (box_chip < 0).any():  # impossible by the fit rule
            raise RuntimeError('chip cover left a valid box uncovered')
        gt_valid[inds, i] = True
        gt_chip[inds, i] = box_chip + num_pos
        num_pos += len(chips_s)
        pos.append(chips_s.reshape(-1, 4).astype(np.int32))

    chips_scaled = np.concatenate(pos)
    scale_inds = np.concatenate(
        [np.full(len(c), i, np.int64) for i, c in enumerate(pos)])
    num_neg_candidates = 0
    if props is not None:  # after the positive draws: those stay the same
        neg = mine_negative_chips(
            props, (h, w), chips_scaled, scale_inds, factors, valid_ranges,
            chip_size, stride_val, neg_m, num_neg_chips, rng, prune,
            coarsest_whole_image, min_box_side, backend)
        chips_scaled = np.concatenate([chips_scaled, neg.chips_scaled])
        scale_inds = np.concatenate([scale_inds, neg.scale_inds])
        num_neg_candidates = neg.num_candidates
    is_negative = np.arange(len(chips_scaled)) >= num_pos
    chip_factors = factors[scale_inds]
    chips = np.zeros((len(chips_scaled), 4), dtype=np.float64)
    for i in range(num_scales):
        sel = scale_inds == i
        if sel.any():
            chips[sel] = chips_to_original(chips_scaled[sel], factors[i],
                                           scaled_shapes[i], (h, w))
    chip_shapes = np.stack([
        chips_scaled[:, 3] - chips_scaled[:, 1],
        chips_scaled[:, 2] - chips_scaled[:, 0]
    ], axis=1).astype(np.int64)

    # valid boxes per positive chip; negative chips have none
    flat = np.full(n * num_scales, -1, np.int64)
    flat[:] = gt_chip.ravel()
    box_of = np.repeat(np.arange(n), num_scales)
    has = flat >= 0
    valid_inds = [
        box_of[has][g] for g in group_by_chip(flat[has], len(chips))
    ]
    invalid_inds = split_valid_invalid(chips, gt_c, valid_inds)
    return ChipResult(
        chips=chips.astype(np.float32),
        chips_scaled=chips_scaled,
        scale_inds=scale_inds,
        factors=chip_factors,
        is_negative=is_negative,
        chip_shapes=chip_shapes,
        valid_inds=valid_inds,
        invalid_inds=invalid_inds,
        gt_valid=gt_valid,
        gt_chip=gt_chip,
        gt_dropped=dropped,
        factors_per_scale=factors,
        scaled_shapes=scaled_shapes,
        img_shape=(h, w),
        chip_size=chip_size,
        stride=stride_val,
        num_neg_candidates=num_neg_candidates)
