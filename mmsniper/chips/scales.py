# Copyright (c) mmsniper contributors. All rights reserved.
"""Training scales and scale factors (SNIPER spec 1.1, 1.3).

A *scale spec* says how much an image is resized at one training scale:

- a number ``s <= 16`` (e.g. ``3.0``, ``1.667``): a fixed factor ``s``;
- a number ``> 16`` (e.g. ``512``): resize the long side to that many
  pixels, ``s = 512 / max(W, H)`` (the original's "last entry is a pixel
  count" rule of the COCO scales ``(3.0, 1.667, 512.0)``);
- a pair ``(short, long)`` (e.g. ``(1400, 2000)``): resolution mode,
  ``s = short / min(W, H)``, capped so that ``max(W, H) * s <= long``;
  ``short = -1`` means long side to ``long`` (e.g. ``(-1, 512)``);
- a dict ``dict(factor=3.0)``, ``dict(long_side=512)`` or
  ``dict(short_side=1400, max_long_side=2000)`` (explicit forms).

Scales are ordered finest first; the last one is the *coarsest* scale.

The *valid range* of each scale, in training and at test time, is in
:mod:`mmsniper.chips.valid_ranges`.
"""
import math
import numbers
from typing import List, Sequence, Tuple, Union

import numpy as np

ScaleSpec = Union[float, Tuple[float, float], dict]

#: COCO training scales of the original (factor 3, factor 1.667, long side
#: 512); their valid ranges are
#: :data:`~mmsniper.chips.valid_ranges.DEFAULT_VALID_RANGES`.
DEFAULT_SCALES: Tuple[ScaleSpec, ...] = (3.0, 1.667, 512)
#: Chip side of the original (pixels of the resized image).
DEFAULT_CHIP_SIZE = 512
#: Numbers above this are long-side targets (pixels), not factors.
MAX_FACTOR = 16.0


def _is_number(x) -> bool:
    return isinstance(x, (numbers.Real, np.number)) and not isinstance(
        x, (bool, np.bool_))


def parse_scale(spec: ScaleSpec) -> Tuple[str, float, float]:
    """Normalise a scale spec.

    Args:
        spec (float | tuple | dict): See the module docstring.

    Returns:
        tuple[str, float, float]: ``('factor', s, 0)``,
        ``('long', long_side, 0)`` or ``('short', short, max_long)``.

    Raises:
        ValueError: Naming the malformed spec.
    """
    if isinstance(spec, dict):
        keys = set(spec)
        if keys == {'factor'}:
            spec = ('factor', spec['factor'], 0.)
        elif keys == {'long_side'}:
            spec = ('long', spec['long_side'], 0.)
        elif keys in ({'short_side', 'max_long_side'}, {'short_side'}):
            spec = ('short', spec['short_side'],
                    spec.get('max_long_side', math.inf))
        else:
            raise ValueError(
                f'scale dict {spec!r} must have the key factor, long_side or '
                'short_side (+ optional max_long_side)')
    elif _is_number(spec):
        spec = ('factor', spec, 0.) if spec <= MAX_FACTOR else ('long', spec,
                                                               0.)
    elif isinstance(spec, (tuple, list)) and len(spec) == 2 and all(
            _is_number(v) for v in spec):
        short, long = spec
        spec = ('long', long, 0.) if short == -1 else ('short', short, long)
    else:
        raise ValueError(
            f'invalid scale spec {spec!r}: expected a factor (e.g. 3.0), a '
            'long-side target (e.g. 512), a (short, long) pair (e.g. '
            '(1400, 2000) or (-1, 512)) or a dict')
    kind, a, b = spec
    if not (_is_number(a) and _is_number(b)):
        raise ValueError(f'scale values must be numbers, got {spec!r}')
    a, b = float(a), float(b)
    if not (math.isfinite(a) and a > 0) or math.isnan(b) or (
            kind == 'short' and not b > 0):
        raise ValueError(f'scale values must be positive and finite, got '
                         f'{spec!r}')
    return kind, a, b


def scale_factor(spec: ScaleSpec, img_shape: Sequence[int]) -> float:
    """Resize factor of one image at one scale.

    Args:
        spec (float | tuple | dict): Scale spec.
        img_shape (Sequence[int]): ``(h, w)`` of the original image.

    Returns:
        float: The factor ``s`` (the image becomes ``floor(W*s) x
        floor(H*s)``, see :func:`scaled_size`).
    """
    kind, a, b = parse_scale(spec)
    h, w = float(img_shape[0]), float(img_shape[1])
    if kind == 'factor':
        return a
    if kind == 'long':
        return a / max(h, w)
    s = a / min(h, w)
    if round(s * max(h, w)) > b:
        s = b / max(h, w)
    return s


def scale_factors(scales: Sequence[ScaleSpec],
                  img_shape: Sequence[int]) -> np.ndarray:
    """:func:`scale_factor` for every scale: float64 ``[S]``."""
    return np.array([scale_factor(s, img_shape) for s in scales],
                    dtype=np.float64)


def scaled_size(img_shape: Sequence[int], factor: float) -> Tuple[int, int]:
    """``(h, w)`` of the image resized by ``factor``: ``floor(side * s)``
    (the original's ``int(W * s)``), at least 1, with a 1e-6 tolerance so
    that e.g. ``640 * (512 / 640)`` gives 512."""
    h, w = img_shape[0], img_shape[1]
    return (max(int(math.floor(h * factor + 1e-6)), 1),
            max(int(math.floor(w * factor + 1e-6)), 1))


def box_sizes(boxes: np.ndarray) -> np.ndarray:
    """``sqrt(w * h)`` of ``[N, 4]`` xyxy boxes (no +1; 0 for degenerate
    boxes)."""
    w = np.clip(boxes[:, 2] - boxes[:, 0], 0, None)
    h = np.clip(boxes[:, 3] - boxes[:, 1], 0, None)
    return np.sqrt(w * h)


def describe_scales(scales: Sequence[ScaleSpec]) -> List[str]:
    """Human-readable form of each scale, e.g. ``['x3', 'long=512']``."""
    out = []
    for spec in scales:
        kind, a, b = parse_scale(spec)
        if kind == 'factor':
            out.append(f'x{a:g}')
        elif kind == 'long':
            out.append(f'long={a:g}')
        else:
            out.append(f'short={a:g},long<={b:g}')
    return out
