# Copyright (c) mmsniper contributors. All rights reserved.
"""Background and distractors of the synthetic multi-scale dataset.

Muted-colour multi-octave noise (:func:`render_background`), then blobs,
thin lines, texture patches and class-shaped decoys in the wrong colour
(:func:`draw_distractors`), so that colour thresholding alone does not
solve the task. Randomness comes only from the ``numpy.random.Generator``
given; the draw order is part of the dataset (changing it changes every
image).
"""
from typing import List, Tuple

import cv2
import numpy as np

from .render import _SHAPES, _TEXTURES, _paint, _rasterise


def muted_colour(rng: np.random.Generator) -> np.ndarray:
    """A low-saturation colour (grey, brown, olive, slate) as BGR float32.

    Far from the saturated class colours, so a detector can tell class-
    shaped decoys drawn in it from real objects.
    """
    hue = rng.choice([rng.uniform(0, 180), rng.uniform(10, 35)])  # cv2 hue
    sat = rng.uniform(0.0, 0.35) * 255
    val = rng.uniform(0.2, 0.7) * 255
    hsv = np.uint8([[[hue, sat, val]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)


def _upsampled_noise(rng: np.random.Generator, h: int, w: int, cell: float,
                     channels: int) -> np.ndarray:
    """Smooth noise ``[h, w, channels]`` float32 with feature size ``cell``
    px: a small normal array upsampled with bicubic interpolation."""
    gh, gw = max(2, int(round(h / cell)) + 1), max(2, int(round(w / cell)) + 1)
    small = rng.standard_normal((gh, gw, channels), dtype=np.float32)
    out = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return out.reshape(h, w, channels)


def render_background(rng: np.random.Generator, h: int,
                      w: int) -> np.ndarray:
    """Multi-octave coloured noise in muted colours.

    Two muted colours mixed by a very smooth field plus two coarse octaves
    of luminance noise and a little colour noise, all computed at 1/8
    resolution and upsampled once; then a fine octave and per-pixel grain
    at full resolution.

    Returns:
        np.ndarray: uint8 BGR ``[h, w, 3]``.
    """
    sh, sw = -(-h // 8), -(-w // 8)
    c1, c2 = muted_colour(rng), muted_colour(rng)
    mix = _upsampled_noise(rng, sh, sw, rng.uniform(300, 700) / 8, 1)
    t = 1 / (1 + np.exp(-2 * mix))  # [sh, sw, 1] in (0, 1)
    small = (c1 * t + c2 * (1 - t) +
             _upsampled_noise(rng, sh, sw, rng.uniform(120, 250) / 8, 1) * 18
             + _upsampled_noise(rng, sh, sw, rng.uniform(25, 60) / 8, 1) * 10
             + _upsampled_noise(rng, sh, sw, 10, 3) * 5)
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    fine = _upsampled_noise(rng, h, w, rng.uniform(4, 8), 1)[..., 0] * 6
    fine += rng.standard_normal((h, w), dtype=np.float32) * 3
    img += fine[..., None]
    return np.clip(img, 0, 255, out=img).astype(np.uint8)


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _blend(img: np.ndarray, x0: int, y0: int, patch: np.ndarray,
           mask: np.ndarray, alpha: float = 1.0) -> None:
    """Paste ``patch`` (float32 ``[h, w, 3]``) where ``mask`` is set, at
    ``(x0, y0)``, clipped to the image; in place."""
    H, W = img.shape[:2]
    h, w = mask.shape
    xa, ya, xb, yb = max(x0, 0), max(y0, 0), min(x0 + w, W), min(y0 + h, H)
    if xa >= xb or ya >= yb:
        return
    m = mask[ya - y0:yb - y0, xa - x0:xb - x0, None]
    p = np.clip(patch[ya - y0:yb - y0, xa - x0:xb - x0], 0, 255)
    p = np.broadcast_to(p, m.shape[:2] + (3, )).astype(np.uint8)
    roi = img[ya:yb, xa:xb]
    if alpha < 1:
        p = cv2.addWeighted(roi, 1 - alpha, p, alpha, 0)
    np.copyto(roi, p, where=m)


def _blob(rng, img, size):
    """Irregular muted polygon with soft shading."""
    k = int(rng.integers(5, 12))
    t = np.sort(rng.uniform(0, 2 * np.pi, k))
    r = size / 2 * rng.uniform(0.45, 1.0, k)
    pts = np.stack([np.cos(t) * r, np.sin(t) * r], 1)
    pts -= pts.min(0)
    w, h = (np.ceil(pts.max(0)) + 1).astype(int)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(pts * 16).astype(np.int32)], 1,
                 cv2.LINE_8, shift=4)
    shade = 1 + 0.15 * _upsampled_noise(rng, h, w, max(size / 3, 2), 1)
    patch = muted_colour(rng) * shade
    x0 = int(rng.integers(-w // 2, img.shape[1] - w // 2))
    y0 = int(rng.integers(-h // 2, img.shape[0] - h // 2))
    _blend(img, x0, y0, patch, mask.astype(bool), rng.uniform(0.7, 1.0))


def _line(rng, img, size):
    """Thin polyline, muted or (sometimes) saturated."""
    H, W = img.shape[:2]
    n = int(rng.integers(2, 5))
    start = rng.uniform([0, 0], [W, H])
    steps = rng.normal(0, size, (n - 1, 2))
    pts = np.vstack([start, start + np.cumsum(steps, 0)])
    if rng.random() < 0.3:
        hsv = np.uint8([[[rng.uniform(0, 180), 220, 230]]])
        col = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    else:
        col = muted_colour(rng)
    cv2.polylines(img, [np.round(pts).astype(np.int32)], False,
                  tuple(int(c) for c in col), int(rng.integers(1, 5)),
                  cv2.LINE_AA)


def _texture_patch(rng, img, size):
    """Rectangle or ellipse of stripes, checks or noise in muted colours."""
    w = int(max(4, size * rng.uniform(0.6, 1.6)))
    h = int(max(4, size * rng.uniform(0.6, 1.6)))
    mask = np.zeros((h, w), np.uint8)
    if rng.random() < 0.5:
        mask[:] = 1
    else:
        cv2.ellipse(mask, (w // 2, h // 2), (w // 2, h // 2), 0, 0, 360, 1,
                    -1)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(3, 14)
    kind = rng.integers(3)
    if kind == 0:
        a = rng.uniform(0, np.pi)
        sel = np.floor((xs * np.cos(a) + ys * np.sin(a)) / period) % 2 == 0
    elif kind == 1:
        sel = (np.floor(xs / period) + np.floor(ys / period)) % 2 == 0
    else:
        sel = _upsampled_noise(rng, h, w, period, 1)[..., 0] > 0
    patch = np.where(sel[..., None], muted_colour(rng), muted_colour(rng))
    x0 = int(rng.integers(-w // 2, img.shape[1] - w // 2))
    y0 = int(rng.integers(-h // 2, img.shape[0] - h // 2))
    _blend(img, x0, y0, patch, mask.astype(bool), rng.uniform(0.4, 0.9))


def _decoy(rng, img, size):
    """A class shape drawn in a muted colour: right shape, wrong colour."""
    ar = _log_uniform(rng, 0.6, 1.7)
    kind = _SHAPES[int(rng.integers(len(_SHAPES)))]
    mask, u, v = _rasterise(kind, size * np.sqrt(ar), size / np.sqrt(ar),
                            rng.uniform(-15, 15))
    col = muted_colour(rng)
    idx, palette = _TEXTURES[kind](u, v, col, rng)
    if rng.random() < 0.5:  # plain
        idx[:] = 0
    patch = _paint(idx, palette)
    h, w = mask.shape
    x0 = int(rng.integers(0, max(1, img.shape[1] - w)))
    y0 = int(rng.integers(0, max(1, img.shape[0] - h)))
    _blend(img, x0, y0, patch, mask)


_DISTRACTORS = (('blob', _blob, 0.35), ('line', _line, 0.25),
                ('texture', _texture_patch, 0.25), ('decoy', _decoy, 0.15))


def draw_distractors(rng: np.random.Generator, img: np.ndarray, num: int,
                     size_range: Tuple[float, float] = (8, 400)) -> None:
    """Draw ``num`` distractors on ``img`` (uint8 BGR ``[H, W, 3]``) in
    place; sizes are log-uniform in ``size_range``."""
    probs = np.array([p for _, _, p in _DISTRACTORS])
    kinds = rng.choice(len(_DISTRACTORS), size=num, p=probs / probs.sum())
    for k in kinds:
        size = _log_uniform(rng, *size_range)
        _DISTRACTORS[k][1](rng, img, size)


def distractor_kinds() -> List[str]:
    """Names of the distractor kinds, for documentation and stats."""
    return [name for name, _, _ in _DISTRACTORS]
