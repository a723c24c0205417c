# Copyright (c) mmsniper contributors. All rights reserved.
"""Load the native extension ``mmsniper._ext`` (mmcv's ``ext_loader``).

Every op wrapper calls :func:`load_ext` with the symbols it needs. When the
extension is missing (built with ``MMSNIPER_WITH_OPS=0``, or not built in a
source checkout) the wrapper falls back to its numpy reference, which gives
identical results, and :func:`warn_fallback` says so once per op.
"""
import importlib
import warnings
from types import ModuleType
from typing import Optional, Sequence, Set

_WARNED: Set[str] = set()


def load_ext(name: str, funcs: Sequence[str]) -> ModuleType:
    """Import ``mmsniper.<name>`` and check it exports ``funcs``.

    Args:
        name (str): Module name inside the package, e.g. ``'_ext'``.
        funcs (Sequence[str]): Symbols the caller needs.

    Returns:
        ModuleType: The extension module.

    Raises:
        ImportError: When the module cannot be imported, or when a listed
            symbol is missing (a stale or half-built extension); the message
            names the missing symbols.
    """
    ext = importlib.import_module('mmsniper.' + name)
    missing = [f for f in funcs if not hasattr(ext, f)]
    if missing:
        raise ImportError(
            f'mmsniper.{name} lacks {", ".join(missing)}; rebuild it with '
            '`MAX_JOBS=1 python setup.py build_ext --inplace` (or '
            '`pip install -e .`)')
    return ext


def try_load_ext(name: str, funcs: Sequence[str]) -> Optional[ModuleType]:
    """:func:`load_ext`, returning None instead of raising ImportError."""
    try:
        return load_ext(name, funcs)
    except ImportError:
        return None


def warn_fallback(op: str) -> None:
    """Warn once per process that ``op`` runs its numpy reference."""
    if op in _WARNED:
        return
    _WARNED.add(op)
    warnings.warn(
        f'mmsniper._ext is not available: {op} falls back to its numpy '
        'reference (same results, slower). Build the extension with '
        '`MAX_JOBS=1 python setup.py build_ext --inplace`.',
        RuntimeWarning,
        stacklevel=3)
