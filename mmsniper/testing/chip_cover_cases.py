# Copyright (c) mmsniper contributors. All rights reserved.
"""Random boxes and a cover check for the chip-cover tests (the op tests
and the reference tests share them)."""
import numpy as np


def random_boxes(rng: np.random.Generator,
                 n: int,
                 width: float,
                 height: float,
                 smin: float = 2.,
                 smax: float = 600.) -> np.ndarray:
    """``n`` float32 ``[n, 4]`` x1y1x2y2 boxes: log-uniform sizes in
    ``[smin, smax]``, half of them clustered, some sticking out of the
    ``width x height`` image."""
    s = np.exp(rng.uniform(np.log(smin), np.log(smax), n))
    ar = np.exp(rng.uniform(-0.6, 0.6, n))
    bw, bh = s * ar, s / ar
    clustered = rng.random(n) < 0.5
    cx = np.where(clustered, rng.normal(width * 0.3, width * 0.05, n),
                  rng.uniform(-10, width + 10, n))
    cy = np.where(clustered, rng.normal(height * 0.6, height * 0.05, n),
                  rng.uniform(-10, height + 10, n))
    return np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2],
                    axis=1).astype(np.float32)


def check_cover(boxes: np.ndarray, chips: np.ndarray, box_chip: np.ndarray,
                width: int, height: int, chip: int) -> None:
    """Assert that every assigned box fits the image and a chip and lies
    fully inside its chip, and that no chip is larger than ``chip``."""
    b = boxes.astype(np.float64)
    for i, j in enumerate(box_chip):
        fits = (b[i, 0] >= 0 and b[i, 1] >= 0 and b[i, 2] <= width
                and b[i, 3] <= height and b[i, 2] - b[i, 0] <= chip
                and b[i, 3] - b[i, 1] <= chip)
        if j < 0:
            continue
        x1, y1, x2, y2 = chips[j]
        assert x1 <= b[i, 0] and b[i, 2] <= x2 and y1 <= b[i, 1] and \
            b[i, 3] <= y2
        assert fits
    assert (chips[:, 2] - chips[:, 0] <= chip).all()
    assert (chips[:, 3] - chips[:, 1] <= chip).all()
