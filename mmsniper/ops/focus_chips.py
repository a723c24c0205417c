# Copyright (c) mmsniper contributors. All rights reserved.
"""FocusChips of a FocusPixel map, in cells (AutoFocus, spec 5.3 steps 1-5).

Python wrapper of ``mmsniper._ext.focus_chips`` (C++ on CPU tensors and
numpy arrays, CUDA on GPU tensors) with the numpy reference
:mod:`.focus_chips_ref` as fallback. Every input is checked here, before it
reaches C++, so bad input raises a ``ValueError`` naming the problem.

The conversion of the cells to original-image pixels (step 6) lives in
:func:`mmsniper.chips.focus.focus_chips`.
"""
import math
import numbers
from typing import Optional, Union

import numpy as np
import torch

from ..utils.checks import as_int
from .ext_loader import try_load_ext, warn_fallback
from .focus_chips_ref import focus_chip_cells_ref

ext_module = try_load_ext('_ext', ['focus_chips'])

ArrayLike = Union[np.ndarray, torch.Tensor]

#: Upper bound on the number of map cells (the CUDA path labels cells with
#: int32).
MAX_CELLS = 1 << 30
#: Upper bound on the integer parameters (sides in cells).
MAX_SIDE = 1 << 30


def _check_int(name: str, value, low: int = 1, high: int = MAX_SIDE) -> int:
    """An int in ``[low, high]``; integral floats are refused here."""
    return as_int(name, value, low, high, integral_floats=False)


def _check_map(prob_map) -> torch.Tensor:
    """Return ``prob_map`` as a float32 contiguous tensor, after checks."""
    if isinstance(prob_map, np.ndarray):
        if not (np.issubdtype(prob_map.dtype, np.floating)):
            raise ValueError('prob_map must hold floating probabilities, got '
                             f'dtype {prob_map.dtype}')
        tensor = torch.from_numpy(np.ascontiguousarray(prob_map))
    elif isinstance(prob_map, torch.Tensor):
        if not prob_map.is_floating_point():
            raise ValueError('prob_map must hold floating probabilities, got '
                             f'dtype {prob_map.dtype}')
        tensor = prob_map.detach()
    else:
        raise ValueError('prob_map must be a numpy array or a torch tensor, '
                         f'got {type(prob_map).__name__}')
    if tensor.dim() != 2:
        raise ValueError('prob_map must be 2-D (H, W), got shape '
                         f'{tuple(tensor.shape)}')
    if tensor.numel() > MAX_CELLS:
        raise ValueError(f'prob_map has {tensor.numel()} cells, more than '
                         f'{MAX_CELLS}')
    tensor = tensor.float().contiguous()
    if tensor.numel() and not bool(torch.isfinite(tensor).all()):
        raise ValueError('prob_map contains NaN or infinite values')
    return tensor


def focus_chip_cells(prob_map: ArrayLike,
                     threshold: float,
                     dilation: int,
                     min_chip_cells: int,
                     map_w: Optional[int] = None,
                     map_h: Optional[int] = None) -> ArrayLike:
    """FocusChips of one FocusPixel map, in map cells.

    Binarise (``prob >= threshold``, compared in float32), dilate with a
    ``dilation`` x ``dilation`` ones kernel, take the bounding rectangles of
    the OpenCV ``RETR_LIST`` contours (8-connected positive components and
    their enclosed holes), enlarge each to at least ``min_chip_cells`` cells
    keeping the centre and shifting it inside ``[0, map_w) x [0, map_h)``,
    then paint them and repeat until the number of chips is stable.

    Args:
        prob_map (np.ndarray | torch.Tensor): FocusPixel probabilities,
            shape (H, W), any floating dtype (processed as float32).
        threshold (float): Binarisation threshold in [0, 1].
        dilation (int): Dilation kernel side (>= 1; 1 = no dilation).
        min_chip_cells (int): Minimum chip side ``k`` in cells (>= 1).
        map_w (int, optional): Right limit ``iw`` in cells. Defaults to W.
        map_h (int, optional): Bottom limit ``ih`` in cells. Defaults to H.

    Returns:
        np.ndarray | torch.Tensor: Chips ``[x1, y1, x2, y2)`` in cells
        (exclusive end), shape (K, 4) int64, sorted by (y1, x1, y2, x2);
        the input's type, and for tensors its device. Chips may extend past
        the map when ``min_chip_cells`` exceeds the limits.

    Example:
        >>> prob = np.zeros((8, 8), dtype=np.float32)
        >>> prob[0, 0] = prob[7, 7] = 0.9
        >>> focus_chip_cells(prob, 0.5, 1, 3).tolist()
        [[0, 0, 3, 3], [5, 5, 8, 8]]
    """
    tensor = _check_map(prob_map)
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(
            threshold, numbers.Real):
        raise ValueError(f'threshold must be a number, got {threshold!r}')
    if not (math.isfinite(threshold) and 0. <= threshold <= 1.):
        raise ValueError(f'threshold must be in [0, 1], got {threshold}')
    dilation = _check_int('dilation', dilation, high=1 << 15)
    min_chip_cells = _check_int('min_chip_cells', min_chip_cells)
    height, width = tensor.shape
    map_w = _check_int('map_w', width if map_w is None else map_w)
    map_h = _check_int('map_h', height if map_h is None else map_h)

    if tensor.numel() == 0:
        cells = torch.zeros((0, 4), dtype=torch.long, device=tensor.device)
    elif ext_module is not None and (not tensor.is_cuda
                                     or ext_module.with_cuda()):
        cells = ext_module.focus_chips(tensor, float(threshold), dilation,
                                       min_chip_cells, map_w, map_h)
    else:
        warn_fallback('focus_chips')
        cells = torch.from_numpy(
            focus_chip_cells_ref(tensor.cpu().numpy(), float(threshold),
                                 dilation, min_chip_cells, map_w,
                                 map_h)).to(tensor.device)
    if isinstance(prob_map, np.ndarray):
        return cells.cpu().numpy()
    return cells
