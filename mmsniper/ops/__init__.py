# Copyright (c) mmsniper contributors. All rights reserved.
"""Native ops of mmsniper (``mmsniper._ext``) with numpy fallbacks.

``EXT_AVAILABLE`` tells whether the extension is built; when it is not,
every op runs its numpy reference (same results, slower) and warns once.
"""
from .chip_cover import chip_cover
from .chip_cover_ref import chip_cover_ref
from .ext_loader import load_ext, try_load_ext

EXT_AVAILABLE: bool = try_load_ext('_ext', []) is not None

__all__ = [
    'EXT_AVAILABLE', 'load_ext', 'try_load_ext', 'chip_cover',
    'chip_cover_ref'
]
