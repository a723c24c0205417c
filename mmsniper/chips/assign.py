# Copyright (c) mmsniper contributors. All rights reserved.
"""Boxes to chips (SNIPER spec 1.5): per chip, the boxes it trains on and
the ones it ignores.

Shape shorthands: ``N`` boxes, ``K`` chips.

A valid box is assigned to the chip with the largest inside fraction
``inter / area(box)``; every valid box lies fully inside the chip that
covered it first in the greedy, and no earlier chip holds it, so that chip
is the original's arg-max (ties: first chip). Every other box overlapping a
chip (out of range, assigned to another chip, cut by the border, flagged
ignore) is *invalid* there.
"""
from typing import List, Tuple

import numpy as np

#: Largest chips x boxes block held in memory at once (booleans).
_BLOCK = 1 << 22


def overlap_mask(chips: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """bool ``[K, N]``: box and chip overlap with positive area.

    Args:
        chips (np.ndarray): ``[K, 4]`` x1y1x2y2.
        boxes (np.ndarray): ``[N, 4]`` x1y1x2y2, same pixel frame.
    """
    c = chips[:, None, :].astype(np.float64)
    b = boxes[None, :, :4].astype(np.float64)
    return ((np.minimum(c[..., 2], b[..., 2]) > np.maximum(c[..., 0],
                                                           b[..., 0]))
            & (np.minimum(c[..., 3], b[..., 3]) > np.maximum(c[..., 1],
                                                             b[..., 1])))


def group_by_chip(box_chip: np.ndarray, num_chips: int) -> List[np.ndarray]:
    """Indices of the boxes of each chip: ``num_chips`` sorted int64
    arrays from ``box_chip`` (int ``[N]``, -1 = none)."""
    order = np.argsort(box_chip, kind='stable')
    bounds = np.searchsorted(box_chip[order], np.arange(num_chips + 1))
    return [
        order[bounds[k]:bounds[k + 1]].astype(np.int64)
        for k in range(num_chips)
    ]


def split_valid_invalid(
        chips: np.ndarray, boxes: np.ndarray, valid_inds: List[np.ndarray]
) -> List[np.ndarray]:
    """The invalid boxes of each chip: the boxes overlapping it that are not
    in its ``valid_inds``.

    Args:
        chips (np.ndarray): ``[K, 4]`` chips, original pixels.
        boxes (np.ndarray): ``[N, 4]`` boxes (clipped to the image, with
            dropped boxes zeroed so they overlap nothing).
        valid_inds (list[np.ndarray]): ``K`` arrays of valid box indices.

    Returns:
        list[np.ndarray]: ``K`` sorted int64 arrays. Memory stays below
        ``_BLOCK`` booleans whatever ``K x N``.
    """
    n = len(boxes)
    out: List[np.ndarray] = []
    step = max(1, _BLOCK // max(n, 1))
    for start in range(0, len(chips), step):
        block = overlap_mask(chips[start:start + step], boxes)
        for r in range(len(block)):
            row = block[r]
            row[np.asarray(valid_inds[start + r], dtype=np.int64)] = False
            out.append(np.flatnonzero(row).astype(np.int64))
    return out


def chip_gt_ignore_flags(chip: np.ndarray,
                         gt_bboxes: np.ndarray,
                         valid_inds: np.ndarray,
                         img_shape: Tuple[int, int] = None
                         ) -> Tuple[np.ndarray, np.ndarray]:
    """Ground-truth boxes overlapping one chip and their ignore flags.

    For a transform that has a chip and its valid boxes (e.g. from
    :class:`~mmsniper.chips.ChipResult`) but not the whole result.

    Args:
        chip (np.ndarray): ``[4]`` x1y1x2y2, original pixels.
        gt_bboxes (np.ndarray): ``[N, 4]`` all ground-truth boxes.
        valid_inds (np.ndarray): Indices of the boxes the chip trains on.
        img_shape (tuple[int, int], optional): ``(h, w)``; when given the
            boxes are clipped to the image first.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``overlaps`` (bool ``[N]``, box
        overlaps the chip with positive area, or is valid) and ``ignore``
        (bool ``[N]``, overlapping but not valid).
    """
    boxes = np.asarray(gt_bboxes, dtype=np.float64).reshape(-1, 4)
    if img_shape is not None:
        boxes = boxes.copy()
        boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, img_shape[1])
        boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, img_shape[0])
    chip = np.asarray(chip, dtype=np.float64).reshape(1, 4)
    overlaps = overlap_mask(chip, boxes)[0]
    valid = np.zeros(len(boxes), dtype=bool)
    valid[np.asarray(valid_inds, dtype=np.int64)] = True
    return overlaps | valid, overlaps & ~valid
