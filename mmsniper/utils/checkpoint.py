# Copyright (c) mmsniper contributors. All rights reserved.
"""Let ``torch.load(weights_only=True)`` read mmengine 0.10.7 checkpoints.

torch 2.6 made ``weights_only=True`` the default of ``torch.load``, which
mmengine 0.10.7's loaders call without the argument. Besides tensors, a
checkpoint saved by mmengine's ``Runner`` holds the message hub
(``HistoryBuffer`` objects of numpy arrays, whose pickled state names
their statistics methods as ``getattr(HistoryBuffer, 'mean')``), numpy
scalars (``eta``, best scores) and plain Python containers; configs may add
a ``ConfigDict``. The weights-only unpickler refuses these globals, so
``--resume``, ``tools/test.py`` and ``init_detector`` failed on a checkpoint
that training had just written.

:func:`register_checkpoint_globals` (called when :mod:`mmsniper` is
imported) adds exactly these types to torch's weights-only allowlist with
``torch.serialization.add_safe_globals``. Nothing else changes: mmengine's
own checkpoint loaders stay registered and the load stays weights-only, so
a checkpoint with any other global is still refused. ``getattr`` is not
allowlisted as such: the name ``builtins.getattr`` maps to
:func:`history_buffer_getattr`, which only returns the methods of
``HistoryBuffer``.
"""
import inspect
import pickle
from typing import Callable, List, Tuple, Union

import numpy as np
import torch
from mmengine.config import ConfigDict
from mmengine.logging import HistoryBuffer

SafeGlobal = Union[Callable, Tuple[Callable, str]]

#: Classes whose methods :func:`history_buffer_getattr` may return.
GETATTR_OWNERS = (HistoryBuffer, )


def history_buffer_getattr(owner: type, name: str) -> Callable:
    """``getattr`` restricted to the methods of ``HistoryBuffer``.

    ``HistoryBuffer.__getstate__`` stores its ``statistics_methods``
    (``HistoryBuffer.mean`` ...); pickle protocol 2 writes each as
    ``getattr(HistoryBuffer, 'mean')``.

    Args:
        owner (type): The class the attribute is read from.
        name (str): A public method name.

    Returns:
        Callable: The function ``owner.name``.

    Raises:
        pickle.UnpicklingError: For any other object or attribute.
    """
    if owner in GETATTR_OWNERS and not str(name).startswith('_'):
        value = inspect.getattr_static(owner, name, None)
        if inspect.isfunction(value):
            return value
    raise pickle.UnpicklingError(
        f'weights-only load: getattr({owner!r}, {name!r}) is not allowed '
        '(mmsniper allows only the methods of mmengine HistoryBuffer)')


def _numpy_globals() -> List[SafeGlobal]:
    """numpy arrays and scalars of numeric or bool dtype, under numpy 2's
    (``numpy._core``) and numpy 1's (``numpy.core``) names."""
    multiarray = np.core.multiarray if not hasattr(
        np, '_core') else np._core.multiarray
    out: List[SafeGlobal] = [np.ndarray, np.dtype]
    for fn in (multiarray._reconstruct, multiarray.scalar):
        for mod in ('numpy._core.multiarray', 'numpy.core.multiarray'):
            out.append((fn, f'{mod}.{fn.__name__}'))
    # the dtype of an array or scalar is built (BUILD) as its dtype class
    dtype_classes = {type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDG'}
    out += sorted(dtype_classes - {np.dtype}, key=lambda c: c.__name__)
    return out


def checkpoint_globals() -> List[SafeGlobal]:
    """The globals of an mmengine 0.10.7 ``Runner`` checkpoint beyond
    torch's default allowlist (see the module docstring)."""
    return _numpy_globals() + [
        HistoryBuffer, ConfigDict,
        (history_buffer_getattr, 'builtins.getattr')
    ]


def register_checkpoint_globals() -> None:
    """Allowlist :func:`checkpoint_globals` for weights-only loads
    (idempotent: torch keeps the allowlist as a set)."""
    torch.serialization.add_safe_globals(checkpoint_globals())


register_checkpoint_globals()
