# Copyright (c) mmsniper contributors. All rights reserved.
"""Overlapping tiles of large detector inputs (bounded memory).

A whole-image pass at a fine scale of a huge image, or a large FocusChip,
would be one detector input of hundreds of megapixels. Inputs whose side
exceeds ``size`` (in input pixels, after resizing) are run as overlapping
tiles of at most ``size x size``; the detections of each tile near an
*inner* tile edge are pruned (as AutoFocus prunes chip borders) and the
tiles are merged with the other chips by the final soft-NMS. An object
smaller than ``overlap`` input pixels lies whole in some tile.

``tile_windows`` is pure geometry; the wrappers turn each window into a
chip (:mod:`mmsniper.models.test_time.base`).
"""
import math
from typing import List, Tuple

from ...utils.checks import check_keys

#: Defaults of the ``tile`` setting of the wrappers.
TILE_DEFAULTS = dict(size=2048, overlap=256, border_margin=8)


def build_tile_cfg(cfg, where: str) -> dict:
    """``tile`` settings with defaults.

    Args:
        cfg (dict | None | False): ``size`` (input px; 0, ``None`` or
            ``False`` for the whole setting: no tiling), ``overlap`` (input
            px, ``[0, size / 2)``), ``border_margin`` (input px, >= 0).
        where (str): Named in the messages.

    Returns:
        dict: All three keys.

    Raises:
        KeyError: An unknown key.
        ValueError: A negative size or margin, or an overlap out of range.
    """
    if cfg is None or cfg is False:
        return dict(TILE_DEFAULTS, size=0)
    if not isinstance(cfg, dict):
        raise TypeError(f'{where} must be a dict (size, overlap, '
                        f'border_margin) or None, got {cfg!r}')
    cfg = dict(cfg)
    check_keys(where, cfg, TILE_DEFAULTS)
    out = dict(TILE_DEFAULTS, **cfg)
    size = 0 if out['size'] is None else int(out['size'])
    overlap, margin = int(out['overlap']), float(out['border_margin'])
    if size < 0 or margin < 0:
        raise ValueError(f'{where}: size and border_margin must be >= 0, '
                         f'got size={size}, border_margin={margin}')
    if size and not 0 <= overlap < size / 2:
        raise ValueError(f'{where}: overlap must be in [0, size / 2), got '
                         f'size={size}, overlap={overlap}')
    out.update(size=size, overlap=overlap, border_margin=margin)
    return out


def _axis(length: int, size: int, overlap: int) -> Tuple[List[int], int]:
    """Starts and the common length of the tiles of one axis: the fewest
    tiles of at most ``size`` that overlap by ``overlap``, each as short as
    that allows (so that tiling adds as few pixels as possible)."""
    if length <= size:
        return [0], length
    n = math.ceil((length - overlap) / (size - overlap))
    tile = min(size, math.ceil((length + (n - 1) * overlap) / n))
    step = (length - tile) / (n - 1)
    return [int(round(i * step)) for i in range(n)], tile


def tile_windows(height: int, width: int, size: int,
                 overlap: int) -> List[Tuple[int, int, int, int]]:
    """Windows ``(x0, y0, x1, y1)`` (input px) covering ``height x width``.

    With ``size <= 0`` or an input that fits, one window (the whole input).
    Otherwise, per axis, the fewest tiles of at most ``size`` whose
    neighbours overlap by at least ``overlap``, all of one length (as short
    as that allows) and evenly spread.

    Example:
        >>> tile_windows(100, 5000, 2048, 256)
        [(0, 0, 1838, 100), (1581, 0, 3419, 100), (3162, 0, 5000, 100)]
    """
    if size <= 0 or (height <= size and width <= size):
        return [(0, 0, width, height)]
    ys, th = _axis(height, size, overlap)
    xs, tw = _axis(width, size, overlap)
    return [(x, y, x + tw, y + th) for y in ys for x in xs]
