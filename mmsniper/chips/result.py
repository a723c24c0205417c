# Copyright (c) mmsniper contributors. All rights reserved.
"""The chips of one image: :class:`ChipResult`.

Shape shorthands: ``K`` chips, ``N`` ground-truth boxes, ``S`` scales.
"""
from dataclasses import dataclass, field
from typing import List, Tuple

import numpy as np


@dataclass
class ChipResult:
    """Chips of one image (all scales, positive then negative) and the
    ground-truth boxes each one trains on or ignores.

    Chip ``k`` is the region ``chips[k]`` of the original image, resized by
    ``factors[k]`` to a ``chip_shapes[k]`` picture that the network sees
    padded to ``chip_size x chip_size`` (bottom/right).

    Attributes:
        chips (np.ndarray): float32 ``[K, 4]`` x1y1x2y2, original-image
            pixels: ``chips_scaled / factor``; a side on the scaled image
            border maps exactly to the original border.
        chips_scaled (np.ndarray): int32 ``[K, 4]`` x1y1x2y2 in the pixels
            of the image resized by the chip's factor (the cover's exact
            coordinates; containment is decided here).
        scale_inds (np.ndarray): int64 ``[K]`` scale of each chip.
        factors (np.ndarray): float64 ``[K]`` resize factor of each chip.
        is_negative (np.ndarray): bool ``[K]``, True for negative chips.
        chip_shapes (np.ndarray): int64 ``[K, 2]`` ``(h, w)`` of the chip
            after resizing (its content, before padding): ``chip_size`` for
            interior chips, less at the image border, and the true resized
            image size for the coarsest scale's whole-image chip.
        valid_inds (list[np.ndarray]): ``K`` int64 arrays of indices into
            ``gt_bboxes``: the boxes chip ``k`` trains on (valid at its
            scale, fully inside it and assigned to it). Empty for negative
            chips.
        invalid_inds (list[np.ndarray]): ``K`` int64 arrays: the other boxes
            that overlap chip ``k`` with positive area (out of the scale's
            range, assigned to another chip, cut by the chip border, or
            flagged ignore). They become ``gt_ignore_flags = True``.
        gt_valid (np.ndarray): bool ``[N, S]``, box valid at scale (in range,
            not ignored, not dropped, fits a chip).
        gt_chip (np.ndarray): int64 ``[N, S]``, positive chip a box is
            assigned to at each scale, -1 if none. ``gt_chip >= 0`` equals
            ``gt_valid``: every valid box is covered.
        gt_dropped (np.ndarray): bool ``[N]``, boxes ignored by every rule
            because they have no area inside the image (zero or negative
            width or height, or wholly outside the image).
        factors_per_scale (np.ndarray): float64 ``[S]``.
        scaled_shapes (np.ndarray): int64 ``[S, 2]`` ``(h, w)`` of the image
            at each scale.
        img_shape (tuple[int, int]): ``(h, w)`` of the original image.
        chip_size (int): Chip side.
        stride (int): Candidate grid stride used (drawn when a range).
        num_neg_candidates (int): Negative chips kept before sampling.
    """
    chips: np.ndarray
    chips_scaled: np.ndarray
    scale_inds: np.ndarray
    factors: np.ndarray
    is_negative: np.ndarray
    chip_shapes: np.ndarray
    valid_inds: List[np.ndarray]
    invalid_inds: List[np.ndarray]
    gt_valid: np.ndarray
    gt_chip: np.ndarray
    gt_dropped: np.ndarray
    factors_per_scale: np.ndarray
    scaled_shapes: np.ndarray
    img_shape: Tuple[int, int]
    chip_size: int
    stride: int
    num_neg_candidates: int = 0
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.chips)

    @property
    def num_pos(self) -> int:
        """Number of positive chips."""
        return int((~self.is_negative).sum())

    @property
    def num_neg(self) -> int:
        """Number of negative chips."""
        return int(self.is_negative.sum())

    def gt_ignore_flags(self, k: int) -> Tuple[np.ndarray, np.ndarray]:
        """Ground-truth boxes overlapping chip ``k`` and their ignore flags.

        Args:
            k (int): Chip index.

        Returns:
            tuple[np.ndarray, np.ndarray]: ``inds`` (int64 ``[n]``, sorted
            indices into ``gt_bboxes`` of every box overlapping the chip) and
            ``ignore`` (bool ``[n]``, True for the invalid ones), ready for
            mmdet's ``gt_ignore_flags`` after cropping.
        """
        valid, invalid = self.valid_inds[k], self.invalid_inds[k]
        inds = np.concatenate([valid, invalid])
        ignore = np.concatenate(
            [np.zeros(len(valid), bool),
             np.ones(len(invalid), bool)])
        order = np.argsort(inds, kind='stable')
        return inds[order], ignore[order]

    def pixels(self, padded: bool = True) -> float:
        """Pixels the network processes for these chips.

        Args:
            padded (bool): Count every chip as the padded network input,
                ``max(h, chip_size) * max(w, chip_size)``; else count only
                the chip content ``h * w``. Defaults to True.
        """
        hw = self.chip_shapes.astype(np.float64)
        if padded:
            hw = np.maximum(hw, self.chip_size)
        return float((hw[:, 0] * hw[:, 1]).sum())

    def pyramid_pixels(self) -> float:
        """Pixels of the full image pyramid at the same scales."""
        s = self.scaled_shapes.astype(np.float64)
        return float((s[:, 0] * s[:, 1]).sum())

    def select(self, mask: np.ndarray) -> 'ChipResult':
        """Copy with only the chips where ``mask`` (bool ``[K]`` or indices)
        holds; ``gt_chip`` is renumbered (-1 for dropped chips)."""
        idx = np.arange(len(self))[mask]
        new = np.full(len(self) + 1, -1, dtype=np.int64)
        new[idx] = np.arange(len(idx))
        gt_chip = np.where(self.gt_chip >= 0, new[self.gt_chip], -1)
        return ChipResult(
            chips=self.chips[idx],
            chips_scaled=self.chips_scaled[idx],
            scale_inds=self.scale_inds[idx],
            factors=self.factors[idx],
            is_negative=self.is_negative[idx],
            chip_shapes=self.chip_shapes[idx],
            valid_inds=[self.valid_inds[i] for i in idx],
            invalid_inds=[self.invalid_inds[i] for i in idx],
            gt_valid=self.gt_valid,
            gt_chip=gt_chip,
            gt_dropped=self.gt_dropped,
            factors_per_scale=self.factors_per_scale,
            scaled_shapes=self.scaled_shapes,
            img_shape=self.img_shape,
            chip_size=self.chip_size,
            stride=self.stride,
            num_neg_candidates=self.num_neg_candidates,
            extra=dict(self.extra))

    def __repr__(self) -> str:
        per_scale = np.bincount(
            self.scale_inds[~self.is_negative],
            minlength=len(self.factors_per_scale)).tolist()
        return (f'ChipResult(img_shape={self.img_shape}, '
                f'chip_size={self.chip_size}, stride={self.stride}, '
                f'pos_per_scale={per_scale}, num_neg={self.num_neg}, '
                f'num_gt={len(self.gt_dropped)})')
