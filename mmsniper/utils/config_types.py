# Copyright (c) mmsniper contributors. All rights reserved.
"""The ``type`` of a config dict: :func:`type_name`."""


def type_name(cfg: dict) -> str:
    """The class name a config dict's ``type`` stands for: a registry name
    without its scope prefix (``'mmdet.CocoDataset'`` gives
    ``'CocoDataset'``) or a class's ``__name__``; ``''`` without a type.

    Example:
        >>> type_name(dict(type='mmdet.SniperDataset'))
        'SniperDataset'
    """
    t = cfg.get('type', None)
    if isinstance(t, str):
        return t.rsplit('.', 1)[-1]
    return getattr(t, '__name__', '')
