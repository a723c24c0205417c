# Copyright (c) mmsniper contributors. All rights reserved.
"""The ``chip_cfg`` of :class:`~mmsniper.datasets.SniperDataset`: its keys
(:data:`CHIP_CFG_KEYS`, the :func:`~mmsniper.chips.generate_chips`
arguments it may set) and :func:`check_chip_cfg`."""
from typing import Optional

from ..utils.checks import check_keys

#: ``generate_chips`` arguments that ``chip_cfg`` may set.
CHIP_CFG_KEYS = ('scales', 'valid_ranges', 'chip_size', 'stride', 'prune',
                 'coarsest_whole_image', 'min_box_side', 'backend')


def check_chip_cfg(chip_cfg: Optional[dict]) -> dict:
    """A copy of a ``SniperDataset`` ``chip_cfg`` (``{}`` for None), after
    the checks.

    Raises:
        ValueError: For the ``dict(from_block='sniper')`` marker of the
            shipped configs, left unresolved (the config was built without
            :func:`~mmsniper.engine.resolve_sniper_block`).
        KeyError: For a key not in :data:`CHIP_CFG_KEYS` (the message lists
            the valid keys).
    """
    if isinstance(chip_cfg, dict) and 'from_block' in chip_cfg:
        raise ValueError(
            f'SniperDataset: chip_cfg={dict(chip_cfg)!r} stands for the '
            "config's `sniper` block, which was not resolved: build the "
            'config with SniperRunner (runner_type of the SNIPER '
            "configs: mmdet's and mmsniper's tools/train.py and "
            'tools/test.py do), with mmsniper\'s tools '
            '(tools/analysis/browse_dataset.py for browsing chips), or '
            'call mmsniper.engine.resolve_sniper_block(cfg) before '
            'building the dataset')
    chip_cfg = dict(chip_cfg or {})
    check_keys('chip_cfg', chip_cfg, CHIP_CFG_KEYS)
    return chip_cfg
