# Copyright (c) mmsniper contributors. All rights reserved.
"""FocusPixel maps for the FocusChip tests: hand-made maps with their exact
chips in cells (:data:`CASES`) and random maps (:func:`random_case`), shared
by the op tests and the reference tests."""
from typing import List, Optional, Sequence, Tuple

import numpy as np


def prob_map(h: int,
             w: int,
             cells: Sequence[Tuple[int, int]] = (),
             value: float = 0.9) -> np.ndarray:
    """A float32 ``(h, w)`` map of 0.01 with ``value`` at the ``(y, x)``
    ``cells``."""
    prob = np.full((h, w), 0.01, dtype=np.float32)
    for y, x in cells:
        prob[y, x] = value
    return prob


def ring_map() -> np.ndarray:
    """A 10x10 block with an off-centre 2x2 hole: the hole contour,
    enlarged to k = 8 around its own centre, grows the chip to the map
    corner."""
    prob = prob_map(20, 20)
    prob[2:12, 2:12] = 0.9
    prob[3:5, 3:5] = 0.
    return prob


# yapf: disable
#: name, map, threshold, dilation, k, (iw, ih) or None, expected cells
CASES: List[tuple] = [
    ('single_blob',
     prob_map(32, 32, [(10, 20), (10, 21), (11, 20), (11, 21)]),
     0.5, 3, 16, None, [[13, 3, 29, 19]]),
    ('merge_after_enlarge', prob_map(32, 32, [(5, 5), (5, 13)]),
     0.5, 1, 8, None, [[1, 1, 17, 9]]),
    ('apart_stay_apart', prob_map(32, 32, [(5, 5), (5, 14)]),
     0.5, 1, 8, None, [[1, 1, 9, 9], [10, 1, 18, 9]]),
    ('border_shift', prob_map(32, 32, [(0, 30), (0, 31)]),
     0.5, 1, 8, None, [[24, 0, 32, 8]]),
    ('limit_inside_padded_map', prob_map(32, 32, [(18, 18)]),
     0.5, 1, 8, (20, 20), [[12, 12, 20, 20]]),
    ('empty', prob_map(16, 16), 0.5, 3, 8, None, []),
    ('all_ones', np.ones((10, 12), np.float32), 0.5, 3, 4, None,
     [[0, 0, 12, 10]]),
    ('k_larger_than_map', np.ones((10, 12), np.float32), 0.5, 3, 16, None,
     [[0, 0, 16, 16]]),
    ('non_square', prob_map(6, 20, [(2, 3), (3, 16)]),
     0.5, 3, 4, None, [[1, 0, 5, 4], [14, 1, 18, 5]]),
    ('threshold_inclusive', prob_map(8, 8, [(4, 4)], value=0.2),
     0.2, 1, 2, None, [[3, 3, 5, 5]]),
    ('diagonal_is_connected', prob_map(8, 8, [(2, 2), (3, 3)]),
     0.5, 1, 1, None, [[2, 2, 4, 4]]),
    ('even_dilation_anchor', prob_map(8, 8, [(2, 2)]),
     0.5, 2, 1, None, [[2, 2, 4, 4]]),
    ('hole_contour', ring_map(), 0.5, 1, 8, None, [[0, 0, 12, 12]]),
]
# yapf: enable
IDS = [c[0] for c in CASES]


def case_limits(prob: np.ndarray,
                lim: Optional[Tuple[int, int]]) -> Tuple[int, int]:
    """The map limits ``(iw, ih)`` of a case: the map's own size when
    ``lim`` is None."""
    return (prob.shape[1], prob.shape[0]) if lim is None else lim


def random_case(seed: int) -> Tuple[np.ndarray, float, int, int, int, int]:
    """A random map (sparse noise or Gaussian blobs) and parameters
    ``(prob, threshold, dilation, k, iw, ih)``."""
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(1, 48, 2))
    if seed % 2:
        prob = rng.random((h, w)).astype(np.float32)
        prob[rng.random((h, w)) < rng.choice([0.5, 0.8, 0.95])] *= 0.01
    else:
        ys, xs = np.mgrid[:h, :w]
        prob = np.zeros((h, w), np.float32)
        for _ in range(rng.integers(0, 6)):
            cy, cx = rng.random(2) * (h, w)
            s = 0.5 + 3 * rng.random()
            prob = np.maximum(
                prob, np.exp(-((ys - cy)**2 + (xs - cx)**2) / (2 * s * s)))
    t = float(rng.choice([0.02, 0.2, 0.5]))
    d, k = int(rng.integers(1, 6)), int(rng.integers(1, 24))
    iw = int(rng.integers(max(1, w - 4), w + 4))
    ih = int(rng.integers(max(1, h - 4), h + 4))
    return prob.astype(np.float32), t, d, k, iw, ih
