# Copyright (c) mmsniper contributors. All rights reserved.
"""Pure numpy drawing of AutoFocus outputs: the colours of the FocusChips
of each scale and the FocusPixel heat map spread over the image and
blended on it (used by :class:`~mmsniper.visualization.FocusVisualizer`).
"""
from typing import Tuple

import cv2
import numpy as np

from .chip_drawing import Color

#: Edge colours (RGB) of the FocusChips processed at scale 1, 2, ... (scale
#: 0 is the whole image and is not drawn): yellow, cyan, magenta, green.
CHIP_COLORS: Tuple[Color, ...] = ((255, 215, 0), (0, 255, 255),
                                  (255, 0, 255), (0, 255, 0))


def chip_color(scale_idx: int) -> Color:
    """The RGB edge colour of the FocusChips of scale ``scale_idx >= 1``
    (AutoFocus order: 0 is the coarsest scale)."""
    return CHIP_COLORS[(scale_idx - 1) % len(CHIP_COLORS)]


def heat_colors(values) -> np.ndarray:
    """JET colours (RGB uint8, ``(..., 3)``) of values in ``[0, 1]``."""
    v = np.clip(np.asarray(values, np.float32) * 255, 0, 255).astype(
        np.uint8)
    color = cv2.applyColorMap(v.reshape(-1, 1), cv2.COLORMAP_JET)
    return color[:, 0, ::-1].reshape(v.shape + (3, ))


def focus_map_to_image(prob: np.ndarray, img_shape: Tuple[int, int],
                       cell_size: float) -> np.ndarray:
    """Spread a FocusPixel map ``(h, w)`` over the original image: pixel
    ``(y, x)`` takes cell ``(floor(y / cell_size), floor(x / cell_size))``
    (nearest, so the cells stay visible).

    Args:
        prob (np.ndarray): Probabilities ``(h, w)``.
        img_shape (tuple[int, int]): ``(H, W)`` of the original image.
        cell_size (float): Original pixels per cell (``stride / f``).

    Returns:
        np.ndarray: float32 ``(H, W)``.
    """
    prob = np.asarray(prob, dtype=np.float32)
    h, w = img_shape
    rows = np.minimum((np.arange(h) / cell_size).astype(np.int64),
                      prob.shape[0] - 1)
    cols = np.minimum((np.arange(w) / cell_size).astype(np.int64),
                      prob.shape[1] - 1)
    return prob[rows][:, cols]


def overlay_heatmap(image: np.ndarray,
                    heat: np.ndarray,
                    alpha: float = 0.6,
                    weighted: bool = True) -> np.ndarray:
    """Blend a ``[0, 1]`` heat map (JET colours) over an RGB image.

    Args:
        image (np.ndarray): RGB ``(H, W, 3)``.
        heat (np.ndarray): Values ``(H, W)`` in ``[0, 1]``.
        alpha (float): Opacity (of value 1 when ``weighted``). Defaults to
            0.6.
        weighted (bool): Per-pixel opacity ``alpha * heat``, so that pixels
            of value 0 keep the image exactly and the colour grows with the
            value; False blends every pixel with ``alpha``. Defaults to
            True.

    Returns:
        np.ndarray: uint8 RGB ``(H, W, 3)``.
    """
    heat = np.clip(np.asarray(heat, np.float32), 0, 1)
    color = heat_colors(heat).astype(np.float32)
    a = (alpha * heat if weighted else np.full_like(heat, alpha))[..., None]
    out = image.astype(np.float32) * (1 - a) + color * a
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
