# Copyright (c) mmsniper contributors. All rights reserved.
"""Suggest SNIPER scales and valid ranges from a dataset's box sizes.

Users of the original struggled to choose ``SCALES`` / ``VALID_RANGES`` for
new datasets. The rule here reproduces the original COCO choice from COCO's
statistics and transfers to other datasets:

1. The coarsest scale resizes the typical image (median long side ``L``) to
   the chip (``long side -> chip_size``), factor ``s_c = chip_size / L``;
   objects are valid there from ``band_lo_coarse`` chip pixels up
   (original: 120 px at 512 / 640 = 0.8, i.e. 96 chip pixels).
2. Each finer scale multiplies the factor by ``ratio`` (original: 1.667 /
   0.8 = 2.1, 3 / 1.667 = 1.8) and keeps objects whose size in chip pixels
   lies in ``[band_lo, band_hi)`` (original: [53, 250] at 1.667 and 240 at
   factor 3), i.e. original sizes ``[band_lo / s, band_hi / s)``.
3. Finer scales are added until the finest one shows the
   ``small_quantile`` box size at ``min_small_px`` chip pixels or more (or
   ``max_factor`` / ``max_scales`` is reached); the finest scale has no
   lower bound.

For COCO (L = 640) this gives factors (3.2, 1.6, long 512) with ranges
(-1, 75), (33, 150), (120, -1), next to the original (3, 1.667, 512) with
(-1, 80), (32, 150), (120, -1).
"""
import math
from typing import List, Sequence

import numpy as np

from .scales import DEFAULT_CHIP_SIZE, MAX_FACTOR, box_sizes


def _nice(x: float, digits: int = 2) -> float:
    if x <= 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def suggest_scales(records: List[dict],
                   chip_size: int = DEFAULT_CHIP_SIZE,
                   ratio: float = 2.0,
                   band_lo: float = 53.,
                   band_hi: float = 240.,
                   band_lo_coarse: float = 96.,
                   small_quantile: float = 0.02,
                   min_small_px: float = 16.,
                   max_factor: float = 4.0,
                   max_scales: int = 5) -> dict:
    """Scales and valid ranges suited to a dataset.

    Args:
        records (list[dict]): Image records (``height``, ``width``,
            ``bboxes``; see :mod:`mmsniper.chips.stats`).
        chip_size (int): Chip side. Defaults to 512.
        ratio (float): Factor between consecutive scales. Defaults to 2.
        band_lo (float): Smallest object (chip pixels) trained on at a
            non-coarsest scale other than the finest. Defaults to 53.
        band_hi (float): Largest object (chip pixels) trained on at a
            non-coarsest scale. Defaults to 240 (about half a chip).
        band_lo_coarse (float): Smallest object (chip pixels) trained on at
            the coarsest scale. Defaults to 96.
        small_quantile (float): Box-size quantile the finest scale must
            bring to ``min_small_px`` chip pixels or more. Defaults to 0.02.
        min_small_px (float): See ``small_quantile``. Defaults to 16.
        max_factor (float): Largest factor. Defaults to 4.
        max_scales (int): Most scales. Defaults to 5.

    Returns:
        dict: ``scales`` (finest first; the last is ``chip_size``, a
        long-side target), ``valid_ranges`` (original pixels, -1 =
        unbounded), ``size_quantiles`` (dict quantile -> px),
        ``median_long_side``, and ``notes`` (list of str).
    """
    sizes = np.concatenate([
        box_sizes(np.asarray(r['bboxes'], np.float64).reshape(-1, 4)
                  [~np.asarray(r.get('ignore', np.zeros(len(r['bboxes']))),
                               bool)]) for r in records
    ] + [np.zeros(0)])
    sizes = sizes[sizes > 0]
    notes: List[str] = []
    if len(records) == 0 or len(sizes) == 0:
        raise ValueError('the dataset has no usable boxes to suggest scales '
                         'from')
    long_side = float(
        np.median([max(r['height'], r['width']) for r in records]))
    qs = (0.01, small_quantile, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
    quant = {q: float(np.quantile(sizes, q)) for q in qs}
    target_small = quant[small_quantile]

    s_c = chip_size / long_side
    factors = [s_c]
    ranges = [(_nice(band_lo_coarse / s_c), -1.)]
    s = s_c
    while s * target_small < min_small_px:
        s_next = min(s * ratio, max_factor)
        if s_next <= s * 1.05 or len(factors) == max_scales:
            notes.append(
                f'limited by max_factor={max_factor:g} / max_scales='
                f'{max_scales}: the {small_quantile:g} size quantile '
                f'({target_small:.3g} px) appears at only '
                f'{s * target_small:.3g} px at the finest scale')
            break
        s = s_next
        factors.append(_nice(s))
        ranges.append((_nice(band_lo / s), _nice(band_hi / s)))
    ranges[-1] = (-1., ranges[-1][1])  # finest: no lower bound
    if len(factors) == 1:
        notes.append('one scale is enough: every box fits the coarsest '
                     'scale\'s whole-image chip')
    factors = factors[::-1]
    ranges = ranges[::-1]
    scales: List = [float(f) for f in factors[:-1]] + [int(chip_size)]
    frac_large = float((sizes > band_hi / max(factors[0], 1e-9) * 2).mean())
    if frac_large > 0.5:
        notes.append('most boxes are large: consider a larger chip_size')
    return dict(
        scales=tuple(scales),
        valid_ranges=tuple(tuple(float(v) for v in r) for r in ranges),
        size_quantiles=quant,
        median_long_side=long_side,
        notes=notes)


def _literal(value, factors: bool = False) -> str:
    """A number or a (nested) sequence of numbers as a Python literal:
    integral values without a decimal point (with ``factors``, numbers up
    to ``MAX_FACTOR`` keep it: ``2.0`` is a factor, ``512`` a long side),
    tuples of one element with a trailing comma (``(512,)``, not
    ``(512)``)."""
    if isinstance(value, (tuple, list, np.ndarray)):
        items = [_literal(v, factors) for v in value]
        return f'({items[0]},)' if len(items) == 1 else \
            f'({", ".join(items)})'
    value = float(value)
    if value.is_integer() and not (factors and value <= MAX_FACTOR):
        return str(int(value))
    return repr(value)


def format_config(suggestion: dict, chip_size: int = DEFAULT_CHIP_SIZE) -> str:
    """The suggestion as the ``sniper`` block of a config (the one place
    that training and testing read, see ``docs/sniper_training.md``): valid
    Python that pastes into a child config (tuples, one-scale suggestions
    included).

    Args:
        suggestion (dict): A result of :func:`suggest_scales` (``scales``
            and ``valid_ranges``).
        chip_size (int): The chip side. Defaults to 512.

    Returns:
        str: ``sniper = dict(scales=..., valid_ranges=..., chip_size=...)``
        on three lines.

    Examples:
        >>> print(format_config(dict(scales=(512, ),
        ...                          valid_ranges=((-1, -1), ))))
        sniper = dict(
            scales=(512,), valid_ranges=((-1, -1),),
            chip_size=512)
    """
    return (f'sniper = dict(\n'
            f'    scales={_literal(suggestion["scales"], factors=True)}, '
            f'valid_ranges={_literal(suggestion["valid_ranges"])},\n'
            f'    chip_size={int(chip_size)})')


def describe_sizes(records: List[dict],
                   edges: Sequence[float] = (0, 16, 32, 64, 96, 128, 256,
                                             512, math.inf)) -> List[tuple]:
    """Histogram of box sizes: ``(lo, hi, count, share)`` rows."""
    sizes = np.concatenate([
        box_sizes(np.asarray(r['bboxes'], np.float64).reshape(-1, 4))
        for r in records
    ] + [np.zeros(0)])
    total = max(len(sizes), 1)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        c = int(((sizes >= lo) & (sizes < hi)).sum())
        rows.append((lo, hi, c, c / total))
    return rows
