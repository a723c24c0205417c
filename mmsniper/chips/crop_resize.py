# Copyright (c) mmsniper contributors. All rights reserved.
"""One crop-and-resize rule for training chips, test-time chips and tiles.

A *window* of an image resized by a factor ``f`` is the rectangle
``[ox, ox + w) x [oy, oy + h)`` of the whole image resized by ``f``
(``ox = x1 * f`` for a chip whose left edge is ``x1`` original pixels).
Destination pixel ``(u, v)`` samples the source at
``((ox + u + 0.5) / f - 0.5, (oy + v + 0.5) / f - 0.5)``: bilinear with
half-pixel centres, as ``cv2.resize``, and the border replicated.

- :func:`crop_resize_np`: numpy ``(H, W[, C])`` with ``cv2.warpAffine``
  (``SnipChipCrop`` at training time, proposal extraction);
- :func:`crop_resize_tensor`: a ``(C, H, W)`` tensor on any device with
  ``grid_sample`` (the test-time wrappers), converting only the source rows
  a band of output rows needs, so that memory stays bounded on huge images
  (and, for an image mapped from disk, dropping the pages read:
  :mod:`mmsniper.fileio.mapped_image`);
- :func:`chip_out_size`: the output size of a chip (the whole image:
  ``floor(side * f)`` as :func:`~mmsniper.chips.scales.scaled_size`; any
  other chip ``round(side * f)``).

Both agree to within the rounding of OpenCV's fixed-point warp
(``tests/test_chips/test_crop_resize.py``).
"""
import math
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..fileio.mapped_image import release_pages

#: Source pixels converted to float at a time by crop_resize_tensor.
BAND_PIXELS = 1 << 22


def _check_window(f: float, shape: Tuple[int, int]) -> None:
    if not (math.isfinite(float(f)) and f > 0):
        raise ValueError(f'crop_resize: the factor must be positive and '
                         f'finite, got {f}')
    if int(shape[0]) < 1 or int(shape[1]) < 1:
        raise ValueError(f'crop_resize: the output shape must be at least '
                         f'1 x 1, got {tuple(shape)}')


def window_matrix(f: float, origin: Tuple[float, float]) -> np.ndarray:
    """The inverse affine map (destination -> source) of a window.

    Args:
        f (float): Resize factor of the whole image.
        origin (tuple[float, float]): ``(ox, oy)`` in resized pixels.

    Returns:
        np.ndarray: float64 ``(2, 3)``: destination pixel ``(u, v)``
        samples source ``M @ (u, v, 1)``.

    Example:
        >>> window_matrix(2.0, (10., 4.)).tolist()
        [[0.5, 0.0, 4.75], [0.0, 0.5, 1.75]]
    """
    ox, oy = origin
    return np.array([[1 / f, 0, (ox + 0.5) / f - 0.5],
                     [0, 1 / f, (oy + 0.5) / f - 0.5]],
                    dtype=np.float64)


def _integer_window(f: float, origin: Tuple[float, float]) -> bool:
    return f == 1.0 and float(origin[0]).is_integer() and float(
        origin[1]).is_integer()


def crop_resize_np(img: np.ndarray,
                   f: float,
                   origin: Tuple[float, float],
                   shape: Tuple[int, int],
                   interp: Optional[int] = None) -> np.ndarray:
    """Pixels ``[oy, oy + h) x [ox, ox + w)`` of ``img`` resized by ``f``.

    Args:
        img (np.ndarray): ``(H, W)`` or ``(H, W, C)``.
        f (float): Resize factor of the whole image.
        origin (tuple[float, float]): ``(ox, oy)`` in resized pixels.
        shape (tuple[int, int]): ``(h, w)`` of the output.
        interp (int, optional): OpenCV interpolation flag. Defaults to
            ``cv2.INTER_LINEAR``.

    Returns:
        np.ndarray: ``(h, w[, C])``, the dtype of ``img``.

    Raises:
        ValueError: A factor that is not positive, an empty shape.
    """
    import cv2
    _check_window(f, shape)
    interp = cv2.INTER_LINEAR if interp is None else interp
    h, w = int(shape[0]), int(shape[1])
    if _integer_window(f, origin):
        x0, y0 = int(origin[0]), int(origin[1])
        out = img[y0:y0 + h, x0:x0 + w]
        if out.shape[:2] == (h, w):
            return np.ascontiguousarray(out)
    out = cv2.warpAffine(
        img,
        window_matrix(f, origin), (w, h),
        flags=interp | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE)
    if img.ndim == 3 and out.ndim == 2:
        out = out[..., None]
    return out


def chip_out_size(chip: Sequence[float], f: float,
                  img_shape: Tuple[int, int]) -> Tuple[int, int]:
    """``(h, w)`` of ``chip`` resized by ``f``, at least 1.

    Args:
        chip (Sequence[float]): ``[x1, y1, x2, y2]`` original px.
        f (float): Resize factor.
        img_shape (tuple[int, int]): ``(H, W)`` of the original image.

    Returns:
        tuple[int, int]: The whole image (a chip covering it):
        ``floor(side * f)``; any other chip ``round(side * f)``.

    Example:
        >>> chip_out_size((0, 0, 200, 50), 0.333, (50, 200))
        (16, 66)
        >>> chip_out_size((10, 10, 20.4, 30), 2., (50, 200))
        (40, 21)
    """
    x1, y1, x2, y2 = (float(v) for v in chip)
    h, w = img_shape
    if x1 <= 0 and y1 <= 0 and x2 >= w and y2 >= h:
        return (max(int(math.floor(h * f + 1e-6)), 1),
                max(int(math.floor(w * f + 1e-6)), 1))
    return (max(int(round((y2 - y1) * f)), 1),
            max(int(round((x2 - x1) * f)), 1))


def _source_span(start: float, count: int, f: float,
                 limit: int) -> Tuple[int, int]:
    """Source index range ``[a, b)`` that destination ``[start, start +
    count)`` samples (bilinear: the two neighbours of each position)."""
    lo = (start + 0.5) / f - 0.5
    hi = (start + count - 0.5) / f - 0.5
    a = min(max(int(math.floor(lo)), 0), limit - 1)
    b = min(max(int(math.floor(hi)) + 2, a + 1), limit)
    return a, b


def crop_resize_tensor(img: torch.Tensor,
                       f: float,
                       origin: Tuple[float, float],
                       shape: Tuple[int, int],
                       band_pixels: int = BAND_PIXELS) -> torch.Tensor:
    """:func:`crop_resize_np` for a ``(C, H, W)`` tensor, on its device.

    Args:
        img (torch.Tensor): ``(C, H, W)``, any dtype (uint8 images stay
            uint8 in memory; only the rows a band needs become float).
        f (float): Resize factor of the whole image.
        origin (tuple[float, float]): ``(ox, oy)`` in resized pixels.
        shape (tuple[int, int]): ``(h, w)`` of the output.
        band_pixels (int): Source pixels converted to float at a time.
            Defaults to :data:`BAND_PIXELS`.

    Returns:
        torch.Tensor: float32 ``(C, h, w)`` on ``img.device``.

    Raises:
        ValueError: ``img`` not ``(C, H, W)``, a factor that is not
            positive, an empty shape.
    """
    if img.dim() != 3 or min(img.shape) < 1:
        raise ValueError('crop_resize_tensor expects a (C, H, W) image, got '
                         f'shape {tuple(img.shape)}')
    _check_window(f, shape)
    c, H, W = img.shape
    h, w = int(shape[0]), int(shape[1])
    ox, oy = float(origin[0]), float(origin[1])
    if _integer_window(f, origin):
        x0, y0 = int(ox), int(oy)
        if x0 >= 0 and y0 >= 0 and x0 + w <= W and y0 + h <= H:
            out = img[:, y0:y0 + h, x0:x0 + w].float()
            release_pages(img, h * W * c * img.element_size())
            return out
    xa, xb = _source_span(ox, w, f, W)
    xs = (torch.arange(w, device=img.device, dtype=torch.float64) + ox +
          0.5) / f - 0.5 - xa
    gx = ((2 * xs + 1) / (xb - xa) - 1).float()
    # output rows per band: the source rows they need fit in band_pixels
    rows = max(int(band_pixels // max(xb - xa, 1) * f) - 2, 1)
    out = img.new_empty((c, h, w), dtype=torch.float32)
    for v0 in range(0, h, rows):
        n = min(rows, h - v0)
        ya, yb = _source_span(oy + v0, n, f, H)
        src = img[None, :, ya:yb, xa:xb].float()
        # a memory-mapped image drops the pages read so far
        release_pages(img, (yb - ya) * W * c * img.element_size())
        ys = (torch.arange(n, device=img.device, dtype=torch.float64) + oy +
              v0 + 0.5) / f - 0.5 - ya
        gy = ((2 * ys + 1) / (yb - ya) - 1).float()
        grid = torch.stack(torch.broadcast_tensors(gx[None, :], gy[:, None]),
                           dim=-1)[None]
        out[:, v0:v0 + n] = F.grid_sample(
            src, grid, mode='bilinear', padding_mode='border',
            align_corners=False)[0]
    return out
