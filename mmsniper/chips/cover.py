# Copyright (c) mmsniper contributors. All rights reserved.
"""Which boxes each scale must cover, and the greedy cover of one scale
(SNIPER spec 1.3-1.4).

Shape shorthands: ``N`` boxes, ``C`` chips of one scale.
"""
from typing import Tuple

import numpy as np

from ..ops.chip_cover import chip_cover


def scale_boxes(boxes: np.ndarray, factor: float,
                scaled_shape: Tuple[int, int]) -> np.ndarray:
    """Boxes in the pixels of the image resized by ``factor``, clipped to
    it: float32 ``[N, 4]`` (the op's input precision)."""
    hs, ws = scaled_shape
    b = boxes[:, :4] * factor
    b[:, 0::2] = np.clip(b[:, 0::2], 0, ws)
    b[:, 1::2] = np.clip(b[:, 1::2], 0, hs)
    return b.astype(np.float32)


def clip_to_image(boxes: np.ndarray, h: int,
                  w: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clip ``[N, 4]`` boxes to the ``h x w`` image; boxes left without
    area are zeroed and flagged. Returns ``(clipped, wh [N, 2],
    dropped [N])``."""
    out = boxes.copy()
    out[:, 0::2] = np.clip(out[:, 0::2], 0, w)
    out[:, 1::2] = np.clip(out[:, 1::2], 0, h)
    wh = out[:, 2:4] - out[:, 0:2]
    dropped = (wh <= 0).any(axis=1)
    out[dropped] = 0
    wh[dropped] = 0
    return out, wh, dropped


def chips_to_original(chips_scaled: np.ndarray, factor: float,
                      scaled_shape: Tuple[int, int],
                      img_shape: Tuple[int, int]) -> np.ndarray:
    """float64 ``[C, 4]``: scaled-pixel chips of one scale in original
    pixels; sides on the scaled image border map to the original border
    exactly."""
    c = chips_scaled.astype(np.float64) / factor
    hs, ws = scaled_shape
    h, w = img_shape
    c[:, 2] = np.where(chips_scaled[:, 2] >= ws, w, np.minimum(c[:, 2], w))
    c[:, 3] = np.where(chips_scaled[:, 3] >= hs, h, np.minimum(c[:, 3], h))
    return c


def fits_in_chip(boxes_scaled: np.ndarray, scaled_shape: Tuple[int, int],
                 chip_size: int, stride: int) -> np.ndarray:
    """bool ``[N]``: the box lies fully inside at least one candidate chip.

    As in the original, a box fits when its sides are below
    ``chip_size - stride - 1`` scaled pixels: with candidates every
    ``stride`` pixels plus an edge chip, such a box always lies inside one.
    Along an axis where the whole scaled image fits in a chip, any box fits
    (the original applies the side limit there too).
    """
    hs, ws = scaled_shape
    limit = chip_size - stride - 1
    w = boxes_scaled[:, 2].astype(np.float64) - boxes_scaled[:, 0]
    h = boxes_scaled[:, 3].astype(np.float64) - boxes_scaled[:, 1]
    return (((ws <= chip_size) | (w < limit))
            & ((hs <= chip_size) | (h < limit)))


def valid_at_scale(wh: np.ndarray, usable: np.ndarray, in_range: np.ndarray,
                   fits: np.ndarray, coarsest: bool,
                   min_box_side: float) -> np.ndarray:
    """bool ``[N]``: boxes a scale must cover (spec 1.3).

    Args:
        wh (np.ndarray): ``[N, 2]`` width and height (original pixels).
        usable (np.ndarray): bool ``[N]``, not dropped and not ignored.
        in_range (np.ndarray): bool ``[N]``, ``lo <= size < hi``.
        fits (np.ndarray): bool ``[N]`` from :func:`fits_in_chip`.
        coarsest (bool): Coarsest scale with its whole-image chip: only the
            range applies (the chip holds the whole image).
        min_box_side (float): Minimum width and height (original pixels)
            on the other scales (the original's ``w >= 2 and h >= 2``).
    """
    valid = usable & in_range
    if not coarsest:
        valid &= fits & (wh[:, 0] >= min_box_side) & (wh[:, 1] >=
                                                      min_box_side)
    return valid


def boxes_to_cover(boxes: np.ndarray, wh: np.ndarray, usable: np.ndarray,
                   in_range: np.ndarray, factor: float,
                   scaled_shape: Tuple[int, int], chip_size: int,
                   stride: int, coarsest: bool,
                   min_box_side: float) -> Tuple[np.ndarray, np.ndarray]:
    """The boxes one scale must cover, scaled.

    Args:
        boxes (np.ndarray): ``[N, 4]`` boxes clipped to the image, original
            pixels.
        wh, usable, in_range, coarsest, min_box_side: See
            :func:`valid_at_scale`.
        factor (float): Scale factor.
        scaled_shape (tuple[int, int]): ``(h, w)`` of the scaled image.
        chip_size (int): Chip side.
        stride (int): Candidate grid stride.

    Returns:
        tuple[np.ndarray, np.ndarray]: float32 ``[n, 4]`` scaled boxes (the
        op's input) and their int64 indices ``[n]`` into ``boxes``.
    """
    scaled = scale_boxes(boxes, factor, scaled_shape)
    fits = fits_in_chip(scaled, scaled_shape, chip_size, stride)
    inds = np.flatnonzero(
        valid_at_scale(wh, usable, in_range, fits, coarsest, min_box_side))
    return scaled[inds], inds


def whole_image_chip(scaled_shape: Tuple[int, int]) -> np.ndarray:
    """int32 ``[1, 4]``: the coarsest scale's single chip."""
    hs, ws = scaled_shape
    return np.array([[0, 0, ws, hs]], dtype=np.int32)


def cover_scale(boxes_scaled: np.ndarray,
                scaled_shape: Tuple[int, int],
                chip_size: int,
                stride: int,
                seed: int,
                prune: bool = False,
                whole_image: bool = False,
                backend: str = 'auto') -> Tuple[np.ndarray, np.ndarray]:
    """Chips covering every given box at one scale.

    Args:
        boxes_scaled (np.ndarray): float32 ``[N, 4]`` boxes to cover, in
            scaled pixels (from :func:`scale_boxes`).
        scaled_shape (tuple[int, int]): ``(h, w)`` of the scaled image.
        chip_size (int): Chip side.
        stride (int): Candidate grid stride.
        seed (int): Tie-break seed.
        prune (bool): Drop chips made redundant by others.
        whole_image (bool): The coarsest scale's rule: one chip equal to the
            whole scaled image (whatever its size) when there is any box.
        backend (str): ``'auto'``, ``'ext'`` or ``'numpy'`` (the reference).

    Returns:
        tuple[np.ndarray, np.ndarray]: chips int32 ``[C, 4]`` in scaled
        pixels and ``box_chip`` int64 ``[N]`` (index into chips, -1 if
        uncovered).
    """
    n = len(boxes_scaled)
    if n == 0:
        return np.zeros((0, 4), np.int32), np.zeros(0, np.int64)
    if whole_image:
        return whole_image_chip(scaled_shape), np.zeros(n, np.int64)
    hs, ws = scaled_shape
    return chip_cover(boxes_scaled, ws, hs, chip_size, stride, seed, prune,
                      backend=backend)
