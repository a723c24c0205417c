# Copyright (c) mmsniper contributors. All rights reserved.
"""The crop window of a SNIPER chip and bottom/right padding (used by
:class:`~mmsniper.datasets.transforms.SnipChipCrop`)."""
from typing import Optional, Tuple

import numpy as np

#: Slack (original pixels) when checking that a chip lies in the image.
_EPS = 1e-3


def chip_window(
    results: dict
) -> Tuple[np.ndarray, float, Tuple[float, float], Tuple[int, int]]:
    """Check the chip of a sample and return its window.

    Args:
        results (dict): With ``img``, ``chip`` (``[4]`` x1y1x2y2, original
            pixels), ``chip_factor`` and optionally ``chip_scaled`` (the
            chip in resized pixels; default ``round(chip * factor)``),
            ``flip``, ``flip_direction``, ``img_path``.

    Returns:
        tuple: ``chip`` (float64 ``[4]``, mirrored when the image was
        flipped), the factor ``f``, the window origin ``(ox, oy)`` in
        resized pixels and the content size ``(h, w)``.

    Raises:
        AssertionError: A chip outside the image or empty, a factor that
            is not positive, an unknown flip direction.
    """
    h, w = results['img'].shape[:2]
    # a copy: the flip below must not mirror the sample's own chip
    chip = np.array(results['chip'], dtype=np.float64).reshape(-1)
    f = float(results['chip_factor'])
    assert chip.shape == (4, ) and np.isfinite(chip).all(), \
        f'chip must be 4 finite numbers x1y1x2y2, got {chip.tolist()}'
    assert np.isfinite(f) and f > 0, \
        f'chip_factor must be positive, got {f}'
    assert (-_EPS <= chip[0] < chip[2] <= w + _EPS
            and -_EPS <= chip[1] < chip[3] <= h + _EPS), \
        (f'chip {chip.tolist()} is not inside the image '
         f'(w={w}, h={h}) of {results.get("img_path", "?")}')
    scaled = results.get('chip_scaled', None)
    if scaled is None:
        scaled = np.round(chip * f)
    scaled = np.asarray(scaled, dtype=np.float64).reshape(4)
    cw, ch = int(scaled[2] - scaled[0]), int(scaled[3] - scaled[1])
    assert cw > 0 and ch > 0, f'empty chip window {scaled.tolist()}'
    assert (scaled[0] >= 0 and scaled[1] >= 0
            and scaled[2] <= np.floor(w * f + 1e-6) + 1
            and scaled[3] <= np.floor(h * f + 1e-6) + 1), \
        (f'chip window {scaled.tolist()} at factor {f:g} is outside the '
         f'resized image ({w * f:.1f} x {h * f:.1f})')
    ox, oy = float(scaled[0]), float(scaled[1])
    if results.get('flip', False):
        direction = results.get('flip_direction', 'horizontal')
        assert direction in ('horizontal', 'vertical', 'diagonal'), \
            f'unsupported flip_direction {direction!r}'
        if direction in ('horizontal', 'diagonal'):
            chip[[0, 2]] = w - chip[[2, 0]]
            ox = w * f - float(scaled[2])
        if direction in ('vertical', 'diagonal'):
            chip[[1, 3]] = h - chip[[3, 1]]
            oy = h * f - float(scaled[3])
    return chip, f, (ox, oy), (ch, cw)


def pad_bottom_right(img: np.ndarray, size: Optional[int],
                     val) -> np.ndarray:
    """Pad ``img`` (``(h, w[, C])``) with ``val`` at the bottom/right to at
    least ``size x size``; ``img`` itself when ``size`` is None or it is
    large enough."""
    if size is None:
        return img
    h, w = img.shape[:2]
    ph, pw = max(h, size), max(w, size)
    if (ph, pw) == (h, w):
        return img
    out = np.full((ph, pw) + img.shape[2:], val, dtype=img.dtype)
    out[:h, :w] = img
    return out
