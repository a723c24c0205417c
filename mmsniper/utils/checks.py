# Copyright (c) mmsniper contributors. All rights reserved.
"""Checks of arguments and config dicts, one place for the package: keys
of a settings dict, integers in a range, boxes and image shapes. Every
problem raises an error that names the argument (``name`` / ``where``).

Shape shorthands: ``N`` boxes.
"""
import difflib
import numbers
from typing import Iterable, Optional, Tuple

import numpy as np
import torch


def check_keys(where: str, cfg: dict, valid: Iterable[str]) -> None:
    """Raise ``KeyError`` for keys of ``cfg`` not in ``valid``.

    Args:
        where (str): What ``cfg`` is, e.g. ``'AutoFocusDetector
            autofocus_cfg'`` (it starts the message).
        cfg (dict): The settings.
        valid (Iterable[str]): The accepted keys.

    Raises:
        KeyError: ``"<where> has unknown keys [...] (did you mean ...);
        valid keys: [...]"``, with the closest valid key of each unknown
        one where there is one.
    """
    valid = list(valid)
    unknown = sorted((k for k in cfg if k not in valid), key=str)
    if not unknown:
        return
    hints = []
    for k in unknown:
        close = difflib.get_close_matches(str(k), valid, n=1, cutoff=0.6)
        if close:
            hints.append(f'{close[0]!r} for {k!r}')
    hint = f' (did you mean {", ".join(hints)}?)' if hints else ''
    raise KeyError(f'{where} has unknown keys {unknown}{hint}; valid keys: '
                   f'{valid}')


def as_int(name: str,
           value,
           low: int,
           high: Optional[int] = None,
           integral_floats: bool = True) -> int:
    """``value`` as an int in ``[low, high]`` (``high`` None: no bound).

    Python and numpy integers pass; so do integral floats (``2.0``) unless
    ``integral_floats=False``; bools never do.

    Raises:
        ValueError: ``"<name> must be an integer, got ..."`` or ``"<name>
        must be in [low, high], got ..."``.
    """
    if type(value) is int and value >= low and (high is None
                                                or value <= high):
        return value  # fast path
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f'{name} must be an integer, got {value!r}')
    if integral_floats and isinstance(value, (float, np.floating)) and \
            float(value).is_integer():
        value = int(value)
    if not isinstance(value, (numbers.Integral, np.integer)):
        raise ValueError(f'{name} must be an integer, got {value!r}')
    value = int(value)
    if value < low or (high is not None and value > high):
        raise ValueError(f'{name} must be in [{low}, '
                         f'{"inf" if high is None else high}], got {value}')
    return value


def _check_tensor(tensor: torch.Tensor, name: str) -> None:
    """A CPU or CUDA tensor of a real numeric dtype."""
    if tensor.device.type not in ('cpu', 'cuda'):
        raise ValueError(f'{name} is on device {tensor.device}; only cpu '
                         'and cuda tensors are supported')
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise ValueError(f'{name} must have a real numeric dtype, got '
                         f'{tensor.dtype}')


def check_boxes(boxes, name: str = 'boxes') -> None:
    """Raise ValueError unless ``boxes`` is a finite real ``[N, 4]`` array.

    Args:
        boxes (np.ndarray | torch.Tensor): The boxes.
        name (str): Name used in messages.
    """
    if not isinstance(boxes, (np.ndarray, torch.Tensor)):
        raise ValueError(f'{name} must be a numpy array or a torch tensor, '
                         f'got {type(boxes).__name__}')
    if isinstance(boxes, torch.Tensor):
        _check_tensor(boxes, name)
        shape = tuple(boxes.shape)
    else:
        if boxes.dtype.kind not in 'fiu':
            raise ValueError(f'{name} must have a real numeric dtype, got '
                             f'{boxes.dtype}')
        shape = boxes.shape
    if not (len(shape) == 2 and shape[1] == 4) and shape != (0, ):
        raise ValueError(f'{name} must have shape [N, 4], got '
                         f'{list(shape)}')
    if isinstance(boxes, torch.Tensor):
        if bool(torch.isfinite(boxes).all()):
            return
        bad = ~torch.isfinite(boxes.reshape(-1, 4)).all(dim=1)
        bad = bad.nonzero().flatten().cpu().numpy()
    else:
        if boxes.dtype.kind in 'iu' or np.isfinite(boxes).all():
            return
        bad = np.flatnonzero(~np.isfinite(boxes.reshape(-1, 4)).all(axis=1))
    if len(bad):
        raise ValueError(
            f'{name} has {len(bad)} row(s) with NaN or inf coordinates '
            f'(rows {bad[:5].tolist()}{"..." if len(bad) > 5 else ""})')


def as_boxes(boxes, name: str, min_cols: int = 4) -> np.ndarray:
    """Boxes as a float64 ``[N, min_cols]`` (or wider) array.

    Accepts numpy arrays, CPU or CUDA tensors (copied to the CPU), mmdet
    ``BaseBoxes`` (their ``.tensor``) and nested lists; ``None`` and empty
    arrays give ``[0, min_cols]``.

    Raises:
        ValueError: For a wrong type, dtype or shape, or NaN/inf values.
    """
    if boxes is None:
        return np.zeros((0, min_cols), dtype=np.float64)
    if hasattr(boxes, 'tensor') and isinstance(boxes.tensor, torch.Tensor):
        boxes = boxes.tensor
    if isinstance(boxes, torch.Tensor):
        _check_tensor(boxes, name)
        boxes = boxes.detach().cpu().to(torch.float64).numpy()
    elif isinstance(boxes, (list, tuple)):
        try:
            boxes = np.asarray(boxes, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f'{name} cannot be read as numbers: {e}') from e
    if not isinstance(boxes, np.ndarray):
        raise ValueError(f'{name} must be a numpy array, a torch tensor or '
                         f'a list, got {type(boxes).__name__}')
    if boxes.size == 0 and boxes.ndim <= 2:
        boxes = boxes.reshape(0, max(min_cols, boxes.shape[-1] if
                                     boxes.ndim == 2 else min_cols))
    if boxes.ndim != 2 or boxes.shape[1] < min_cols:
        raise ValueError(f'{name} must have shape [N, {min_cols}], got '
                         f'{list(boxes.shape)}')
    if boxes.dtype.kind not in 'fiu':
        raise ValueError(f'{name} must have a real numeric dtype, got '
                         f'{boxes.dtype}')
    check_boxes(np.ascontiguousarray(boxes[:, :4]), name)
    bad = np.flatnonzero(~np.isfinite(boxes).all(axis=1))
    if len(bad):
        raise ValueError(f'{name} has NaN or inf values in rows '
                         f'{bad[:5].tolist()}')
    return boxes.astype(np.float64)


def as_img_shape(img_shape) -> Tuple[int, int]:
    """``(h, w)`` from an ``(h, w)`` or ``(h, w, c)`` sequence."""
    if not isinstance(img_shape, (tuple, list, np.ndarray, torch.Size)) or \
            len(img_shape) < 2:
        raise ValueError(f'img_shape must be (h, w) or (h, w, c), got '
                         f'{img_shape!r}')
    h = as_int('img_shape height', img_shape[0], 1)
    w = as_int('img_shape width', img_shape[1], 1)
    return h, w


def as_flags(flags, n: int, name: str) -> np.ndarray:
    """bool ``[N]`` from None (all False) or an array-like."""
    if flags is None:
        return np.zeros(n, dtype=bool)
    if isinstance(flags, torch.Tensor):
        flags = flags.detach().cpu().numpy()
    flags = np.asarray(flags)
    if flags.shape != (n, ):
        raise ValueError(f'{name} must have shape [{n}], got '
                         f'{list(flags.shape)}')
    return flags.astype(bool)
