# Copyright (c) mmsniper contributors. All rights reserved.
"""FocusChips from a FocusPixel map (AutoFocus, spec section 5.3).

The map operations (threshold, dilation, contours, enlarge and merge) run in
the ``focus_chips`` op (:mod:`mmsniper.ops.focus_chips`, native with a numpy
fallback) and give chips in map cells. This module converts those cells to
chips in original-image pixels (spec 5.3 step 6).

Shape shorthands: ``H, W`` = map height / width in cells, ``K`` = chips.
Coordinates: the map covers a crop of the original image (the whole image
at the first scale, a FocusChip later), resized by ``scale_factor``; one cell
is ``stride`` pixels of the resized crop.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mmsniper.ops.focus_chips import focus_chip_cells
from mmsniper.utils.checks import as_int


def focus_map_limits(map_shape: Tuple[int, int],
                     stride: int = 16,
                     scale_factor: float = 1.0,
                     crop_size: Optional[Sequence[float]] = None
                     ) -> Tuple[float, float, int, int]:
    """Crop extent at the current scale and the map limits ``iw, ih``.

    Args:
        map_shape (tuple[int, int]): ``(H, W)`` of the FocusPixel map.
        stride (int): Pixels per cell at the current scale. Defaults to 16.
        scale_factor (float): Current-scale factor ``c_s`` of the image.
            Defaults to 1.0.
        crop_size (Sequence[float], optional): ``(w, h)`` of the crop in
            original-image pixels. Defaults to None: the crop is exactly the
            map's extent (``W * stride`` x ``H * stride`` current-scale px).

    Returns:
        tuple: ``(crop_w, crop_h, iw, ih)`` with the crop size in
        current-scale pixels (float) and ``iw = ceil(crop_w / stride)``,
        ``ih = ceil(crop_h / stride)`` in cells.
    """
    if crop_size is None:
        return (float(map_shape[1] * stride), float(map_shape[0] * stride),
                int(map_shape[1]), int(map_shape[0]))
    crop_w = float(crop_size[0]) * scale_factor
    crop_h = float(crop_size[1]) * scale_factor
    return (crop_w, crop_h, int(math.ceil(crop_w / stride)),
            int(math.ceil(crop_h / stride)))


def cells_to_chips(cells: np.ndarray,
                   min_chip_cells: int,
                   crop_w: float,
                   crop_h: float,
                   stride: int = 16,
                   scale_factor: float = 1.0,
                   crop_origin: Sequence[float] = (0, 0)) -> np.ndarray:
    """Convert chips in cells to chips in original-image pixels.

    Spec 5.3 step 6: multiply by ``stride``; a chip ending past the crop
    (``x2 > crop_w``) is cut at the crop and its start is moved to keep
    ``k * stride`` pixels when possible (``x1 = max(min(x1, x2 - k * stride),
    0)``), the same for y; then divide by ``scale_factor`` and add the crop
    origin.

    Args:
        cells (np.ndarray): Chips ``[x1, y1, x2, y2)`` in cells, shape (K, 4).
        min_chip_cells (int): Minimum chip side ``k`` in cells.
        crop_w (float): Crop width in current-scale pixels.
        crop_h (float): Crop height in current-scale pixels.
        stride (int): Pixels per cell. Defaults to 16.
        scale_factor (float): Current-scale factor. Defaults to 1.0.
        crop_origin (Sequence[float]): ``(x0, y0)`` of the crop in
            original-image pixels. Defaults to (0, 0).

    Returns:
        np.ndarray: Chips ``[x1, y1, x2, y2]`` in original-image pixels,
        shape (K, 4) float32.
    """
    px = np.asarray(cells, dtype=np.float64).reshape(-1, 4) * stride
    min_px = float(min_chip_cells * stride)
    for axis, limit in ((0, crop_w), (1, crop_h)):
        cut = px[:, axis + 2] > limit
        px[cut, axis + 2] = limit
        px[cut, axis] = np.maximum(
            np.minimum(px[cut, axis], limit - min_px), 0.)
    px /= scale_factor
    px[:, 0::2] += float(crop_origin[0])
    px[:, 1::2] += float(crop_origin[1])
    return px.astype(np.float32)


def focus_chips(prob_map: Union[np.ndarray, torch.Tensor],
                threshold: float,
                dilation: int,
                min_chip_cells: int,
                stride: int = 16,
                scale_factor: float = 1.0,
                crop_origin: Sequence[float] = (0, 0),
                crop_size: Optional[Sequence[float]] = None) -> np.ndarray:
    """FocusChips of one FocusPixel map, in original-image pixels.

    Implements ``gmask`` of the original (spec 5.3): binarise
    (``prob >= threshold``), dilate (``dilation`` x ``dilation``), take the
    bounding rectangles of the contours, enlarge each to at least
    ``min_chip_cells`` cells inside the map limits, merge by painting until
    the number of chips is stable, then convert to pixels with
    :func:`cells_to_chips`. See ``docs/autofocus.md`` (FocusChips).

    Args:
        prob_map (np.ndarray | torch.Tensor): FocusPixel probabilities of one
            image or chip at the current scale, shape (H, W). CUDA tensors
            use the CUDA path of the op.
        threshold (float): Binarisation threshold ``t`` in [0, 1].
        dilation (int): Dilation kernel side ``d`` (>= 1).
        min_chip_cells (int): Minimum chip side ``k`` in cells (>= 1).
        stride (int): Pixels per cell at the current scale. Defaults to 16.
        scale_factor (float): Current-scale factor ``c_s`` of the full image
            (current-scale px = original px x ``c_s``). Defaults to 1.0.
        crop_origin (Sequence[float]): ``(x0, y0)`` of the crop the map was
            computed on, in original-image pixels. Defaults to (0, 0).
        crop_size (Sequence[float], optional): ``(w, h)`` of that crop in
            original-image pixels. Defaults to None: the crop is the map's
            extent, ``(W * stride / c_s, H * stride / c_s)``.

    Returns:
        np.ndarray: Chips ``[x1, y1, x2, y2]`` in original-image pixels,
        shape (K, 4) float32, sorted by their top-left cell (y, then x).
        ``(0, 4)`` when no cell reaches the threshold.

    Example:
        >>> prob = np.zeros((32, 32), dtype=np.float32)
        >>> prob[10:12, 20:22] = 0.9
        >>> focus_chips(prob, 0.5, 3, 16, scale_factor=0.5).tolist()
        [[416.0, 96.0, 928.0, 608.0]]
    """
    if scale_factor <= 0 or not math.isfinite(scale_factor):
        raise ValueError(
            f'scale_factor must be a positive number, got {scale_factor}')
    stride = as_int('stride', stride, 1)
    if prob_map.ndim != 2:
        raise ValueError('prob_map must be 2-D (H, W), got shape '
                         f'{tuple(prob_map.shape)}')
    crop_w, crop_h, iw, ih = focus_map_limits(
        tuple(prob_map.shape), stride, scale_factor, crop_size)
    if crop_w <= 0 or crop_h <= 0:
        raise ValueError(f'crop_size must be positive, got {crop_size}')
    cells = focus_chip_cells(prob_map, threshold, dilation, min_chip_cells,
                             iw, ih)
    if isinstance(cells, torch.Tensor):
        cells = cells.cpu().numpy()
    return cells_to_chips(cells, min_chip_cells, crop_w, crop_h, int(stride),
                          scale_factor, crop_origin)


def fuse_chips(chips: np.ndarray) -> np.ndarray:
    """Fuse overlapping FocusChips into their bounding rectangles, until no
    two overlap (the original's merge by painting, spec 5.3 step 5, applied
    across maps).

    The chips of one scale come from several maps (one per chip or tile of
    the scale before); where they overlap, the next scale would process the
    overlap twice. Touching chips (a shared edge) are fused too, as
    painting does.

    Args:
        chips (np.ndarray): ``(K, 4)`` ``[x1, y1, x2, y2]`` in original px.

    Returns:
        np.ndarray: ``(K', 4)`` float32, ``K' <= K``, pairwise disjoint
        interiors, sorted by ``(y1, x1)``.
    """
    chips = np.asarray(chips, dtype=np.float64).reshape(-1, 4)
    while len(chips) > 1:
        x1, y1, x2, y2 = (chips[:, k] for k in range(4))
        touch = ((np.minimum(x2[:, None], x2[None]) >=
                  np.maximum(x1[:, None], x1[None]))
                 & (np.minimum(y2[:, None], y2[None]) >=
                    np.maximum(y1[:, None], y1[None])))
        # label each chip with the smallest index reachable through touches
        # (the transitive closure by repeated min over neighbours)
        label = np.arange(len(chips))
        while True:
            new = np.where(touch, label[None], len(chips)).min(1)
            new = np.minimum(new, label)
            if np.array_equal(new, label):
                break
            label = new
        groups = np.unique(label)
        if len(groups) == len(chips):
            break
        fused = np.empty((len(groups), 4))
        for g, lab in enumerate(groups):
            m = label == lab
            fused[g] = (x1[m].min(), y1[m].min(), x2[m].max(), y2[m].max())
        chips = fused
    order = np.lexsort((chips[:, 0], chips[:, 1])) if len(chips) else []
    return chips[order].astype(np.float32)
