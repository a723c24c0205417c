# Copyright (c) mmsniper contributors. All rights reserved.
"""Pure numpy reference of the FocusChip op (AutoFocus, spec section 5.3).

This file is the executable definition of the op: the C++ (CPU) and CUDA
paths of ``mmsniper._ext.focus_chips`` are tested against it, and it is the
fallback when the extension is not built. It has no OpenCV dependency; the
tests check it against a transcription of the original OpenCV code.

Shape shorthands: ``H, W`` = height / width of the FocusPixel map in cells,
``N`` = number of contour rectangles, ``K`` = number of chips.

Rectangles are integer cell boxes ``[x1, y1, x2, y2]`` with an *exclusive*
end (``x2 = x + w``), exactly like the original's ``[x, y, x + w, y + h]``.

Contours follow OpenCV ``findContours(..., RETR_LIST)`` on the binary mask
(OpenCV >= 3.2, which pads the image with a zero frame):

- one *outer* contour per 8-connected component of positive cells, whose
  bounding rectangle is the component's bounding box;
- one *hole* contour per 4-connected component of zero cells that does not
  touch the map border; the hole border runs over the positive cells around
  it, so its bounding rectangle is the hole's bounding box grown by one cell
  on every side.
"""
from typing import Tuple

import numpy as np

_OFFSETS_8 = ((0, 1), (1, 0), (1, 1), (1, -1), (0, -1), (-1, 0), (-1, -1),
              (-1, 1))
_OFFSETS_4 = ((0, 1), (1, 0), (0, -1), (-1, 0))


def binarize_dilate(prob_map: np.ndarray, threshold: float,
                    dilation: int) -> np.ndarray:
    """Threshold ``prob >= threshold`` and dilate with a d x d ones kernel.

    The kernel anchor is ``d // 2`` (OpenCV's default), so for even ``d`` the
    dilation reaches one cell further up/left than down/right; cells outside
    the map are ignored.

    Args:
        prob_map (np.ndarray): FocusPixel probabilities, shape (H, W).
        threshold (float): Cells with ``prob >= threshold`` are positive; the
            comparison is done in float32 like the original.
        dilation (int): Side ``d`` of the square structuring element.

    Returns:
        np.ndarray: Boolean mask, shape (H, W).
    """
    prob = np.asarray(prob_map, dtype=np.float32)
    binary = prob >= np.float32(threshold)
    h, w = binary.shape
    a = dilation // 2
    pad = np.zeros((h + dilation - 1, w + dilation - 1), dtype=bool)
    pad[a:a + h, a:a + w] = binary
    out = np.zeros_like(binary)
    # out[y, x] = any(binary[y + dy, x + dx]) for dy, dx in [-a, d - 1 - a]
    for dy in range(dilation):
        for dx in range(dilation):
            out |= pad[dy:dy + h, dx:dx + w]
    return out


def label_components(mask: np.ndarray, connectivity: int) -> np.ndarray:
    """Label the connected components of the True cells of ``mask``.

    Iterative min-label propagation with pointer jumping. Every component is
    labelled with the smallest flat index (``y * W + x``) of its cells.

    Args:
        mask (np.ndarray): Boolean mask, shape (H, W).
        connectivity (int): 8 or 4.

    Returns:
        np.ndarray: int64 labels, shape (H, W); ``-1`` where mask is False.
    """
    h, w = mask.shape
    big = h * w
    offsets = _OFFSETS_8 if connectivity == 8 else _OFFSETS_4
    labels = np.where(mask, np.arange(big).reshape(h, w), big)
    while True:
        padded = np.pad(labels, 1, constant_values=big)
        new = labels.copy()
        for dy, dx in offsets:
            np.minimum(new, padded[1 + dy:1 + dy + h, 1 + dx:1 + dx + w],
                       out=new)
        new = np.where(mask, new, big)
        # pointer jumping: a label is the flat index of a cell of the same
        # component, whose own label is never larger
        flat = new.reshape(-1)
        valid = flat < big
        for _ in range(2):
            flat[valid] = flat[flat[valid]]
        if np.array_equal(new, labels):
            break
        labels = new
    return np.where(mask, labels, -1)


def _component_boxes(labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Inclusive bounding boxes ``[x1, y1, x2, y2]`` per label.

    Returns:
        tuple[np.ndarray, np.ndarray]: The sorted labels (L,) and their boxes
        (L, 4) int64.
    """
    ys, xs = np.nonzero(labels >= 0)
    lab = labels[ys, xs]
    uniq, inv = np.unique(lab, return_inverse=True)
    boxes = np.empty((len(uniq), 4), dtype=np.int64)
    boxes[:, :2] = np.iinfo(np.int64).max
    boxes[:, 2:] = -1
    np.minimum.at(boxes[:, 0], inv, xs)
    np.minimum.at(boxes[:, 1], inv, ys)
    np.maximum.at(boxes[:, 2], inv, xs)
    np.maximum.at(boxes[:, 3], inv, ys)
    return uniq, boxes


def contour_boxes(mask: np.ndarray) -> np.ndarray:
    """Bounding rectangles of all ``RETR_LIST`` contours of a binary mask.

    Args:
        mask (np.ndarray): Boolean mask, shape (H, W).

    Returns:
        np.ndarray: Rectangles ``[x1, y1, x2, y2)`` (exclusive end), shape
        (N, 4) int64: the outer contours (8-connected positive components)
        followed by the hole contours (enclosed 4-connected zero components).
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return np.zeros((0, 4), dtype=np.int64)
    _, outer = _component_boxes(label_components(mask, 8))
    outer[:, 2:] += 1
    # Background with a one-cell zero frame: the component holding the frame
    # (flat index 0) is the outside, every other one is a hole.
    bg = np.pad(~mask, 1, constant_values=True)
    bg_labels, bg_boxes = _component_boxes(label_components(bg, 4))
    holes = bg_boxes[bg_labels != 0]
    # padded coordinates -> map coordinates, grown by one cell on each side
    holes[:, :2] -= 2
    holes[:, 2:] += 1
    return np.concatenate([outer, holes], axis=0)


def enlarge_boxes(boxes: np.ndarray, min_size: int, map_w: int,
                  map_h: int) -> np.ndarray:
    """Enlarge rectangles to ``min_size`` cells and shift them inside limits.

    Per axis (shown for x), with floor division as in the original::

        cx = (2 * x + w) // 2;  w = max(min_size, w)
        if cx + w // 2 >= map_w:  x = max(map_w - w, 0)
        elif cx - w // 2 < 0:     x = 0
        else:                     x = cx - w // 2

    Args:
        boxes (np.ndarray): Rectangles ``[x1, y1, x2, y2)``, shape (N, 4).
        min_size (int): Minimum chip side ``k`` in cells.
        map_w (int): Right limit ``iw`` in cells.
        map_h (int): Bottom limit ``ih`` in cells.

    Returns:
        np.ndarray: Enlarged rectangles, shape (N, 4) int64.
    """
    boxes = np.asarray(boxes, dtype=np.int64).reshape(-1, 4)
    out = np.empty_like(boxes)
    for axis, limit in ((0, map_w), (1, map_h)):
        start, size = boxes[:, axis], boxes[:, axis + 2] - boxes[:, axis]
        centre = (2 * start + size) // 2
        size = np.maximum(size, min_size)
        half = size // 2
        start = np.where(
            centre + half >= limit, np.maximum(limit - size, 0),
            np.where(centre - half < 0, 0, centre - half))
        out[:, axis] = start
        out[:, axis + 2] = start + size
    return out


def sort_boxes(boxes: np.ndarray) -> np.ndarray:
    """Sort rectangles by (y1, x1, y2, x2), the order every path returns."""
    order = np.lexsort((boxes[:, 2], boxes[:, 3], boxes[:, 0], boxes[:, 1]))
    return boxes[order]


def focus_chip_cells_ref(prob_map: np.ndarray, threshold: float,
                         dilation: int, min_chip_cells: int, map_w: int,
                         map_h: int) -> np.ndarray:
    """FocusChips of one map, in cells (spec 5.3 steps 1-5).

    Args:
        prob_map (np.ndarray): FocusPixel probabilities, shape (H, W).
        threshold (float): Binarisation threshold ``t``.
        dilation (int): Dilation kernel side ``d``.
        min_chip_cells (int): Minimum chip side ``k`` in cells.
        map_w (int): Right limit ``iw`` in cells (may differ from W).
        map_h (int): Bottom limit ``ih`` in cells (may differ from H).

    Returns:
        np.ndarray: Chips ``[x1, y1, x2, y2)`` in cells, shape (K, 4) int64,
        sorted by (y1, x1, y2, x2).
    """
    mask = binarize_dilate(prob_map, threshold, dilation)
    boxes = contour_boxes(mask)
    chips = np.zeros((0, 4), dtype=np.int64)
    num_chips = -1
    # merge by painting until the number of chips is stable
    while num_chips != len(chips):
        num_chips = len(chips)
        for x1, y1, x2, y2 in enlarge_boxes(boxes, min_chip_cells, map_w,
                                            map_h):
            mask[y1:y2, x1:x2] = True
        boxes = contour_boxes(mask)
        chips = enlarge_boxes(boxes, min_chip_cells, map_w, map_h)
    return sort_boxes(chips)
