# Copyright (c) mmsniper contributors. All rights reserved.
"""Polygon geometry of chips: the window map, exact clipping to a
rectangle, areas (numpy only).

Coordinates follow COCO polygons and boxes: continuous pixel-edge
coordinates, pixel ``(i, j)`` covers ``[i, i + 1) x [j, j + 1)`` (what
``pycocotools`` rasterises, and what ``x2 - x1`` box widths assume). A
polygon is a flat ``[x0, y0, x1, y1, ...]`` array, as in mmdet's
:class:`~mmdet.structures.mask.PolygonMasks`.

Clipping (:func:`clip_polygon`) is Sutherland-Hodgman against the four
sides of a rectangle: exact for any simple polygon, convex or not (a
concave polygon cut into several pieces stays one ring joined by
zero-width edges on the rectangle's border, which rasterise to nothing).
Self-intersecting polygons are clipped as they are: clipping by a
half-plane keeps the crossing count of every point inside it, so the
rasterised clipped polygon is the rasterised polygon inside the rectangle
under either fill rule.
"""
from typing import Sequence, Tuple

import numpy as np

from .crop_resize import window_matrix


def window_map(f: float, origin: Tuple[float, float]) -> np.ndarray:
    """The forward map (source -> chip) of a window, in edge coordinates.

    The inverse of :func:`~mmsniper.chips.crop_resize.window_matrix` (which
    maps pixel centres, destination -> source), moved to pixel-edge
    coordinates: ``x' = f * x - ox``, the map of the boxes
    (``rescale_((f, f))`` then ``translate_((-ox, -oy))``).

    Args:
        f (float): Resize factor of the whole image.
        origin (tuple[float, float]): ``(ox, oy)`` in resized pixels.

    Returns:
        np.ndarray: float64 ``(2, 3)``: source point ``(x, y)`` goes to
        ``A @ (x, y, 1)`` in the chip.

    Example:
        >>> window_map(2.0, (10., 4.)).tolist()
        [[2.0, 0.0, -10.0], [0.0, 2.0, -4.0]]
    """
    m = window_matrix(f, origin)  # centres: src = A @ dst + t
    a = m[:, :2]
    t_edge = m[:, 2] + 0.5 - a @ np.full(2, 0.5)  # edges: src = A dst + t
    inv = np.linalg.inv(a)
    return np.concatenate([inv, (-inv @ t_edge)[:, None]], axis=1)


def transform_polygon(poly: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """Apply a ``(2, 3)`` affine map to a flat polygon.

    Args:
        poly (np.ndarray): ``[2K]`` flat ``x, y`` coordinates.
        affine (np.ndarray): ``(2, 3)`` map.

    Returns:
        np.ndarray: float64 ``[2K]``.
    """
    xy = np.asarray(poly, np.float64).reshape(-1, 2)
    return (xy @ affine[:, :2].T + affine[:, 2]).reshape(-1)


def _clip_half(xy: np.ndarray, axis: int, c: float,
               keep_above: bool) -> np.ndarray:
    """Sutherland-Hodgman against the half-plane ``xy[:, axis] >= c``
    (``<= c`` when not ``keep_above``); ``xy`` is ``[K, 2]``."""
    if len(xy) == 0:
        return xy
    d = xy[:, axis] - c if keep_above else c - xy[:, axis]
    inside = d >= 0
    if inside.all():
        return xy
    if not inside.any():
        return xy[:0]
    prev, d_prev = np.roll(xy, 1, axis=0), np.roll(d, 1)
    cross = inside != np.roll(inside, 1)
    with np.errstate(divide='ignore', invalid='ignore'):
        t = np.where(cross, d_prev / (d_prev - d), 0.)
    hit = prev + t[:, None] * (xy - prev)
    hit[:, axis] = c  # exactly on the border
    # per edge prev -> cur: the crossing point first, then cur if inside
    out = np.stack([hit, xy], axis=1).reshape(-1, 2)
    sel = np.stack([cross, inside], axis=1).reshape(-1)
    return out[sel]


def clip_polygon(poly: np.ndarray, box: Sequence[float]) -> np.ndarray:
    """Clip a polygon to the rectangle ``box`` (exact).

    Args:
        poly (np.ndarray): ``[2K]`` flat ``x, y`` coordinates.
        box (Sequence[float]): ``[x1, y1, x2, y2]``.

    Returns:
        np.ndarray: float64 ``[2K']`` flat coordinates of the clipped ring
        (``K' = 0`` when nothing is left); repeated consecutive vertices
        removed. It may have fewer than 3 vertices or zero area: see
        :func:`is_degenerate`.

    Example:
        >>> sq = np.array([-5., -5., 5., -5., 5., 5., -5., 5.])
        >>> clip_polygon(sq, [0, 0, 10, 10]).tolist()
        [0.0, 0.0, 5.0, 0.0, 5.0, 5.0, 0.0, 5.0]
    """
    xy = np.asarray(poly, np.float64).reshape(-1, 2)
    x1, y1, x2, y2 = (float(v) for v in box)
    if len(xy) and (xy.min(0) >= (x1, y1)).all() and (xy.max(0) <=
                                                      (x2, y2)).all():
        return _dedup(xy).reshape(-1)  # inside: nothing to cut
    for axis, c, above in ((0, x1, True), (0, x2, False), (1, y1, True),
                           (1, y2, False)):
        xy = _clip_half(xy, axis, c, above)
    return _dedup(xy).reshape(-1)


def _dedup(xy: np.ndarray) -> np.ndarray:
    """Drop vertices equal to the one before them (cyclically)."""
    if len(xy) < 2:
        return xy
    same = (xy == np.roll(xy, 1, axis=0)).all(1)
    if same.all():
        return xy[:1]
    return xy[~same]


def polygon_area(poly: np.ndarray) -> float:
    """Area of a flat polygon (shoelace: exact for a simple polygon; for a
    self-intersecting one the absolute sum of its signed lobes, e.g. 0 for
    a symmetric bow tie, so do not test degeneracy with it).

    Args:
        poly (np.ndarray): ``[2K]`` flat ``x, y`` coordinates.

    Returns:
        float: The area (0 under 3 vertices).
    """
    xy = np.asarray(poly, np.float64).reshape(-1, 2)
    if len(xy) < 3:
        return 0.
    x, y = xy[:, 0], xy[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
                 / 2)


def is_degenerate(poly: np.ndarray) -> bool:
    """Whether a flat polygon has under 3 distinct vertices or all of them
    on one line (no area: it rasterises to nothing). A self-intersecting
    polygon whose lobes cancel (a bow tie) is not degenerate.

    Args:
        poly (np.ndarray): ``[2K]`` flat ``x, y`` coordinates.

    Returns:
        bool: True for a point, a segment or collinear vertices.

    Example:
        >>> is_degenerate(np.array([0., 0., 4., 4., 8., 8.]))
        True
        >>> is_degenerate(np.array([0., 0., 4., 4., 4., 0., 0., 4.]))
        False
    """
    xy = _dedup(np.asarray(poly, np.float64).reshape(-1, 2))
    if len(xy) < 3:
        return True
    d = xy - xy[0]
    far = d[np.argmax((d * d).sum(1))]
    cross = np.abs(d[:, 0] * far[1] - d[:, 1] * far[0])
    return bool(cross.max() <= 1e-12 * max((far * far).sum(), 1e-300))
