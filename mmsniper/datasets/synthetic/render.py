# Copyright (c) mmsniper contributors. All rights reserved.
"""Drawing primitives of the synthetic multi-scale dataset.

Pure numpy + cv2, no mmdet. Every function draws its randomness from the
``numpy.random.Generator`` it is given, so a scene is a deterministic
function of its seed.

Shorthands: ``H, W`` image size, ``h, w`` object patch size. Images are
``uint8`` BGR ``[H, W, 3]`` (what ``mmcv.imread`` returns); colours are
written below in RGB for readability and flipped once by :func:`bgr`.

The five classes differ in hue, shape *and* texture, so a small detector
trained from scratch can learn them. The background and the distractors
are drawn by :mod:`.distractors`.

Every object also comes with its outline as COCO polygons (flat
``[x0, y0, x1, y1, ...]``, pixel-edge coordinates: pixel ``(i, j)`` covers
``[i, i + 1) x [j, j + 1)``, what ``pycocotools`` rasterises): the shape
it was filled with, as convex parts (the cross: its two arms, which
overlap), each widened by cv2's fill rule (``cv2.fillPoly`` also fills
the pixels whose centre lies within half a pixel of an edge, along a
row, or of a top/bottom vertex: the Minkowski sum with a diamond of
radius 0.5). Disks are drawn as 72-gons and outlined by 24 of them,
scaled to the same area.
"""
from typing import Callable, Dict, List, Tuple, Union

import cv2
import numpy as np

#: ``(name, base RGB colour)`` of every class, in category-id order.
CLASSES: Tuple[Tuple[str, Tuple[int, int, int]], ...] = (
    ('red_disk', (225, 40, 40)),
    ('blue_square', (40, 80, 225)),
    ('green_triangle', (40, 185, 70)),
    ('yellow_cross', (240, 210, 35)),
    ('purple_hexagon', (170, 55, 205)),
)
CLASS_NAMES: Tuple[str, ...] = tuple(name for name, _ in CLASSES)

_SUBPIXEL = 4  # cv2.fillPoly shift: 1/16 px vertex precision


def bgr(rgb) -> np.ndarray:
    """RGB triple -> float32 BGR vector ``[3]``."""
    return np.asarray(rgb, dtype=np.float32)[::-1].copy()


def _polygon(kind: str) -> np.ndarray:
    """Normalised outline of a shape, spanning ``[-1, 1]`` on both axes.

    Returns:
        np.ndarray: ``[K, 2]`` float32 vertices ``(u, v)``.
    """
    if kind == 'disk':
        t = np.linspace(0, 2 * np.pi, 72, endpoint=False)
        pts = np.stack([np.cos(t), np.sin(t)], 1)
    elif kind == 'square':
        pts = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
    elif kind == 'triangle':
        pts = np.array([[0, -1], [1, 1], [-1, 1]])
    elif kind == 'cross':
        a = 0.36  # half width of an arm
        pts = np.array([[-a, -1], [a, -1], [a, -a], [1, -a], [1, a], [a, a],
                        [a, 1], [-a, 1], [-a, a], [-1, a], [-1, -a],
                        [-a, -a]])
    elif kind == 'hexagon':
        t = np.arange(6) * np.pi / 3
        pts = np.stack([np.cos(t), np.sin(t) / np.sin(np.pi / 3)], 1)
    else:
        raise ValueError(f'unknown shape {kind!r}')
    return pts.astype(np.float32)


_SHAPES = ('disk', 'square', 'triangle', 'cross', 'hexagon')
_POLYGONS = {k: _polygon(k) for k in _SHAPES}


def _convex_parts(kind: str) -> List[np.ndarray]:
    """The outline of a shape as convex polygons (normalised frame)."""
    if kind == 'disk':  # 24 of the 72 vertices, the same area
        k = np.sqrt(72 * np.sin(np.pi / 36) / (24 * np.sin(np.pi / 12)))
        return [_POLYGONS[kind][::3].astype(np.float64) * k]
    if kind == 'cross':  # the two arms
        a = 0.36
        return [np.array([[-1, -a], [1, -a], [1, a], [-1, a]]),
                np.array([[-a, -1], [a, -1], [a, 1], [-a, 1]])]
    return [_POLYGONS[kind].astype(np.float64)]


_PARTS = {k: _convex_parts(k) for k in _SHAPES}
#: cv2's fill rule as a Minkowski sum: the corners of a 0.5 px diamond.
_DIAMOND = np.array([[0.5, 0], [0, 0.5], [-0.5, 0], [0, -0.5]])


def _part_polygons(kind: str, scale: np.ndarray, rot: np.ndarray,
                   shift: np.ndarray) -> List[np.ndarray]:
    """Outline of a shape, flat polygons ``[2K]``: every convex part mapped
    by ``p * scale @ rot.T + shift`` (cv2 coordinates), widened by
    :data:`_DIAMOND` (convex hull of the shifted copies), moved to pixel
    edges (+0.5)."""
    out = []
    for part in _PARTS[kind]:
        p = (part * scale) @ rot.T + shift
        hull = cv2.convexHull(
            (p[:, None] + _DIAMOND[None]).reshape(-1, 2).astype(np.float32))
        out.append(hull.reshape(-1).astype(np.float64) + 0.5)
    return out


def _rasterise(kind: str,
               w: float,
               h: float,
               angle: float,
               with_polygon: bool = False) -> Tuple[np.ndarray, ...]:
    """Fill a shape of nominal size ``w x h`` rotated by ``angle`` degrees.

    Returns:
        tuple: ``mask`` bool ``[h', w']`` cropped tight to the filled
        pixels, and the local coordinates ``u, v`` float32 ``[h', w']`` of
        every pixel in the shape's own frame (``[-1, 1]`` inside); with
        ``with_polygon`` also the outline, a list of float64 ``[2K]``
        polygons in the patch's pixel-edge coordinates (module doc).
    """
    pts = _POLYGONS[kind] * np.float32([w / 2, h / 2])
    c, s = np.cos(np.deg2rad(angle)), np.sin(np.deg2rad(angle))
    rot = np.float32([[c, -s], [s, c]])
    pts = pts @ rot.T
    origin = pts.min(0) - 1
    pts = pts - origin
    pw, ph = (np.ceil(pts.max(0)) + 2).astype(int)
    mask = np.zeros((ph, pw), np.uint8)
    fixed = np.round(pts * (1 << _SUBPIXEL)).astype(np.int32)
    cv2.fillPoly(mask, [fixed], 1, cv2.LINE_8, shift=_SUBPIXEL)
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    degenerate = rows.size == 0
    if degenerate:  # keep one pixel
        mask[ph // 2, pw // 2] = 1
        rows, cols = np.array([ph // 2]), np.array([pw // 2])
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    mask = mask[y0:y1, x0:x1].astype(bool)
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dx, dy = xs + 0.5 + origin[0], ys + 0.5 + origin[1]
    u = (dx * c + dy * s) / (w / 2)
    v = (-dx * s + dy * c) / (h / 2)
    if not with_polygon:
        return mask, u, v
    if degenerate:  # the one kept pixel
        return mask, u, v, [np.array([0., 0., 1., 0., 1., 1., 0., 1.])]
    return mask, u, v, _part_polygons(
        kind, np.array([w / 2, h / 2]), rot.astype(np.float64),
        -origin.astype(np.float64) - (x0, y0))


# Texture functions: (u, v, base BGR colour, rng) -> (index map uint8
# [h, w], palette float32 [K, 3]); pixel colour = palette[index].
def _tex_disk(u, v, col, rng):
    r2 = u * u + v * v
    idx = ((r2 > 0.48**2) & (r2 < 0.68**2)).view(np.uint8).copy()
    idx[r2 < 0.2**2] = 2
    return idx, np.stack([col, bgr((255, 235, 235)), col * 0.45])


def _tex_square(u, v, col, rng):
    period = rng.uniform(0.45, 0.6)
    idx = (np.floor((u + v) * (1 / period)) % 2).astype(np.uint8)
    return idx, np.stack([col, np.minimum(col * 0.35 + 165, 255)])


def _tex_triangle(u, v, col, rng):
    checker = (np.floor(u * 4) + np.floor(v * 4)) % 2
    band = np.clip(np.floor((v + 1) * 2), 0, 3)  # 4 bands, apex lightest
    idx = (checker + 2 * band).astype(np.uint8)
    shade = np.repeat(1.15 - 0.12 * np.arange(4), 2) * np.tile([1, 0.85], 4)
    return idx, col[None] * shade[:, None].astype(np.float32)


def _tex_cross(u, v, col, rng):
    idx = ((np.abs(u) < 0.2) & (np.abs(v) < 0.2)).view(np.uint8).copy()
    return idx, np.stack([col, bgr((235, 120, 20))])


def _tex_hexagon(u, v, col, rng):
    fu, fv = (u * 2.5) % 1 - 0.5, (v * 2.5) % 1 - 0.5
    idx = (fu * fu + fv * fv < 0.06).view(np.uint8).copy()
    return idx, np.stack([col, bgr((245, 230, 250))])


_TEXTURES: Dict[str, Callable] = dict(
    disk=_tex_disk, square=_tex_square, triangle=_tex_triangle,
    cross=_tex_cross, hexagon=_tex_hexagon)


def _paint(idx: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Index map uint8 ``[h, w]`` + palette ``[K, 3]`` -> uint8 BGR image
    ``[h, w, 3]``."""
    lut = np.zeros((256, 1, 3), np.uint8)
    lut[:len(palette), 0] = np.clip(palette, 0, 255)
    return cv2.LUT(cv2.merge([idx, idx, idx]), lut)


def _outline(mask: np.ndarray, size: float) -> np.ndarray:
    """Border pixels of ``mask`` (bool ``[h, w]``), about ``size / 40`` px
    thick; empty for objects under 14 px."""
    if size < 14:
        return np.zeros_like(mask)
    it = max(1, int(round(size / 40)))
    m = np.pad(mask.astype(np.uint8), 1)
    inner = cv2.erode(m, np.ones((3, 3), np.uint8), iterations=it)[1:-1,
                                                                   1:-1]
    return mask & ~inner.astype(bool)


def render_object(
    label: int,
    w: float,
    h: float,
    angle: float,
    rng: np.random.Generator,
    with_polygon: bool = False
) -> Union[Tuple[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray,
                                                 List[np.ndarray]]]:
    """Draw one object of class index ``label`` (0-based).

    Args:
        label (int): Index into :data:`CLASSES`.
        w (float): Nominal width before rotation, in pixels.
        h (float): Nominal height before rotation, in pixels.
        angle (float): Rotation in degrees.
        rng (np.random.Generator): Source of colour jitter.
        with_polygon (bool): Also return the outline. Draws no extra
            random numbers. Defaults to False.

    Returns:
        tuple: ``patch`` uint8 BGR ``[h', w', 3]`` and ``mask`` bool
        ``[h', w']``, both cropped tight to the shape (so the object's box
        is the patch extent); with ``with_polygon`` also its outline, a
        list of float64 flat ``[2K]`` polygons in patch pixel-edge
        coordinates.
    """
    kind = _SHAPES[label]
    mask, u, v, *poly = _rasterise(kind, w, h, angle, with_polygon)
    col = bgr(CLASSES[label][1]) * rng.uniform(0.85, 1.08)
    col = np.clip(col + rng.uniform(-18, 18, 3).astype(np.float32), 0, 255)
    idx, palette = _TEXTURES[kind](u, v, col, rng)
    idx[_outline(mask, min(w, h))] = len(palette)
    patch = _paint(idx, np.vstack([palette, col * 0.25]))
    return (patch, mask, *poly)
