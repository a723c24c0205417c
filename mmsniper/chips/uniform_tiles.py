# Copyright (c) mmsniper contributors. All rights reserved.
"""Uniform tiles, as SAHI's ``slice_coco`` and Ultralytics / OpenVINO
Training Extensions users train: :func:`tile_grid` (fixed-size tiles with
an overlap covering the whole image) and :func:`tile_boxes` (the boxes a
tile trains on, by SAHI's ``min_area_ratio`` rule).

These are the baseline of ``tools/analysis/benchmark_training.py`` (the
``tiles`` / ``tiles_ms`` arms); :class:`~mmsniper.datasets.TileDataset`
feeds them to :class:`~mmsniper.datasets.transforms.SnipChipCrop`.
"""
from typing import Sequence

import numpy as np


def _starts(length: int, size: int, step: int) -> np.ndarray:
    """Tile origins along one axis: ``0, step, 2 step, ...`` while a tile
    ends inside, then one last tile shifted back to end at ``length``
    (SAHI's ``get_slice_bboxes``); one tile at 0 when ``length <= size``."""
    if length <= size:
        return np.zeros(1, dtype=np.int64)
    starts = list(range(0, length - size, step))
    starts.append(length - size)
    return np.unique(np.asarray(starts, dtype=np.int64))


def tile_grid(img_shape: Sequence[int],
              size: int,
              overlap: float = 0.2) -> np.ndarray:
    """Fixed-size tiles covering an image, with an overlap between
    neighbours.

    Tiles are ``size x size`` (clipped to the image when it is smaller)
    and start every ``size - int(overlap * size)`` pixels; the last tile of
    a row or column is shifted back to end at the image border, so every
    tile lies inside the image and neighbours overlap by at least
    ``int(overlap * size)`` pixels (SAHI's ``get_slice_bboxes``).

    Args:
        img_shape (Sequence[int]): ``(h, w)`` of the (resized) image.
        size (int): Tile side, pixels.
        overlap (float): Overlap ratio of neighbouring tiles, in
            ``[0, 1)``. Defaults to 0.2 (SAHI's and OTX's default).

    Returns:
        np.ndarray: int64 ``[T, 4]`` x1y1x2y2 tiles, row-major.

    Raises:
        ValueError: A non-positive size or image side, an overlap outside
            ``[0, 1)``.
    """
    h, w = int(img_shape[0]), int(img_shape[1])
    if size <= 0 or h <= 0 or w <= 0:
        raise ValueError(f'tile_grid: size and image sides must be positive, '
                         f'got size={size}, img_shape={(h, w)}')
    if not 0 <= overlap < 1:
        raise ValueError(f'tile_grid: overlap must be in [0, 1), got '
                         f'{overlap!r}')
    step = max(size - int(overlap * size), 1)
    ys, xs = _starts(h, size, step), _starts(w, size, step)
    y0, x0 = np.meshgrid(ys, xs, indexing='ij')
    y0, x0 = y0.reshape(-1), x0.reshape(-1)
    return np.stack(
        [x0, y0, np.minimum(x0 + size, w),
         np.minimum(y0 + size, h)], axis=1).astype(np.int64)


def tile_boxes(boxes: np.ndarray,
               tile: Sequence[float],
               min_area_ratio: float = 0.1) -> np.ndarray:
    """Which boxes a tile keeps (SAHI's ``slice_coco`` rule).

    A box is kept when the part of it inside the tile has at least
    ``min_area_ratio`` of its area (a box wholly inside: ratio 1) and a
    positive area; the crop transform then clips it to the tile.
    Degenerate boxes (zero area) are never kept.

    Args:
        boxes (np.ndarray): ``[N, 4]`` x1y1x2y2 boxes, same pixels as
            ``tile``.
        tile (Sequence[float]): ``[4]`` x1y1x2y2 tile.
        min_area_ratio (float): Kept fraction of a box's area. Defaults to
            0.1 (SAHI's ``min_area_ratio``).

    Returns:
        np.ndarray: int64 ``[K]`` indices of the kept boxes, ascending.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    t = np.asarray(tile, dtype=np.float64).reshape(4)
    iw = np.minimum(boxes[:, 2], t[2]) - np.maximum(boxes[:, 0], t[0])
    ih = np.minimum(boxes[:, 3], t[3]) - np.maximum(boxes[:, 1], t[1])
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
    area = (np.clip(boxes[:, 2] - boxes[:, 0], 0, None) *
            np.clip(boxes[:, 3] - boxes[:, 1], 0, None))
    keep = (inter > 0) & (inter >= min_area_ratio * area * (1 - 1e-9))
    return np.flatnonzero(keep).astype(np.int64)
