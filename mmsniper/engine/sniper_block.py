# Copyright (c) mmsniper contributors. All rights reserved.
"""One source of truth for the SNIPER / AutoFocus parameters that training
and testing share: the config's ``sniper`` block.

mmengine substitutes a config's variables into its dicts when that file is
parsed, so a child config that sets a top-level variable of its parent
(``scales = ...``) changes nothing the parent's dicts hold. The SNIPER
configs keep these parameters in one top-level dict instead, which children
override key by key like any mmengine dict::

    _base_ = './sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'
    sniper = dict(scales=(2.0, 1.0, 256), chip_size=320)

(or ``--cfg-options sniper.scales=[2.0,1.0,256]``).
:func:`resolve_sniper_block` writes the block into the config dicts that
use it (:data:`BLOCK_TARGETS`): the ``chip_cfg`` of every ``SniperDataset``
(from which ``SnipChipCrop`` pads to ``chip_size`` and ``NegChipMine``
takes its geometry) and the ``tta_cfg`` / ``autofocus_cfg`` of every
``SniperMultiScaleTTA`` / ``AutoFocusDetector``. It runs when
:class:`~mmsniper.engine.SniperRunner` is built (the configs set
``runner_type``, so mmdet's own ``tools/train.py`` / ``tools/test.py``
resolve too) and in the tools that read a config; see
``docs/sniper_training.md``. Test-time leaf configs (``*_autofocus-test.py``)
copy the block's values into their wrapper for ``mmdet.apis.init_detector``
(which builds the model without a runner) and mark them ``from_block``: a
runner overwrites them with the block's values.
"""
import copy
from typing import Dict, Iterator, List, Tuple, Union

from mmengine.config import Config, ConfigDict
from mmdet.registry import DATASETS, MODELS, TRANSFORMS

from ..datasets import NegChipMine, SniperDataset, SnipChipCrop
from ..datasets.epoch_chips import SHARED_KEYS
from ..datasets.chip_cfg import CHIP_CFG_KEYS
from ..models import AutoFocusDetector, SniperMultiScaleTTA
from ..utils.checks import check_keys
from ..utils.config_types import type_name

#: The block key of the config.
BLOCK = 'sniper'
#: Keys of the block for the test-time wrappers.
TEST_KEYS = ('test_scales', 'test_valid_ranges', 'test_rpn_budget',
             'test_det_budget')
#: Every key the block may set: the ``SniperDataset`` ``chip_cfg`` keys and
#: :data:`TEST_KEYS`.
BLOCK_KEYS = tuple(CHIP_CFG_KEYS) + TEST_KEYS
#: Where each block key is written: ``(type, key path in a dict of that
#: type)``. ``test_scales`` defaults to ``scales`` (SNIPER tests at its
#: training scales); a None value is not written.
BLOCK_TARGETS: Dict[str, Tuple[Tuple[str, str], ...]] = dict(
    {k: (('SniperDataset', f'chip_cfg.{k}'), ) for k in CHIP_CFG_KEYS},
    test_scales=(('SniperMultiScaleTTA', 'tta_cfg.scales'), ),
    test_valid_ranges=(('SniperMultiScaleTTA', 'tta_cfg.valid_ranges'), ),
    test_rpn_budget=(('SniperMultiScaleTTA', 'tta_cfg.rpn_budget'),
                     ('AutoFocusDetector', 'autofocus_cfg.rpn_budget')),
    test_det_budget=(('SniperMultiScaleTTA', 'tta_cfg.det_budget'),
                     ('AutoFocusDetector', 'autofocus_cfg.det_budget')))
#: Dicts that take a block value at run time (``SnipChipCrop`` pads to the
#: dataset's ``chip_size``, ``NegChipMine`` takes the ``chip_cfg``
#: geometry): only checked, a different explicit value is an error.
CHECKED_TARGETS: Dict[str, Tuple[Tuple[str, str], ...]] = {
    k: (('NegChipMine', k), ) + ((('SnipChipCrop', k), )
                                 if k == 'chip_size' else ())
    for k in SHARED_KEYS
}

#: Top-level variables of the old configs: set in a config that has the
#: block, they would be read by nothing.
_STRAY_KEYS = ('scales', 'valid_ranges', 'chip_size', 'chip_stride') + \
    TEST_KEYS

_Cfg = Union[Config, ConfigDict, dict]


#: The target types, their registries and classes.
_KINDS = (
    ('SniperDataset', DATASETS, SniperDataset),
    ('SnipChipCrop', TRANSFORMS, SnipChipCrop),
    ('NegChipMine', TRANSFORMS, NegChipMine),
    ('SniperMultiScaleTTA', MODELS, SniperMultiScaleTTA),
    ('AutoFocusDetector', MODELS, AutoFocusDetector),
)


def _kinds(cfg: dict) -> List[str]:
    """The target types (:data:`BLOCK_TARGETS`) that the class of a config
    dict's ``type`` is, or subclasses (looked up in its registry)."""
    t = cfg.get('type', None)
    out = []
    for kind, registry, base in _KINDS:
        if isinstance(t, str):
            cls = base if type_name(cfg) == kind else registry.get(t)
        else:
            cls = t
        if isinstance(cls, type) and issubclass(cls, base):
            out.append(kind)
    return out


def _typed_dicts(node, path: str) -> Iterator[Tuple[str, dict]]:
    """Every dict with a ``type`` under ``node``, with its config path."""
    if isinstance(node, dict):
        if 'type' in node:
            yield path, node
        for k, v in node.items():
            yield from _typed_dicts(v, f'{path}.{k}' if path else str(k))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _typed_dicts(v, f'{path}[{i}]')


def _plain(value):
    """``value`` with tuples as lists and ConfigDicts as dicts, to compare
    a config file's tuples with ``--cfg-options``' lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def read_sniper_block(cfg: _Cfg) -> dict:
    """The config's ``sniper`` block with its defaults (``test_scales``
    from ``scales``), without None values; ``{}`` when there is none.

    Raises:
        TypeError: When ``sniper`` is not a dict.
        KeyError: For a key that is not in :data:`BLOCK_KEYS`.
        ValueError: When the valid ranges and scales differ in number.
    """
    raw = cfg.get(BLOCK, None)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TypeError(f'{BLOCK} must be a dict of SNIPER parameters, got '
                        f'{type(raw).__name__}')
    check_keys(f'the {BLOCK} block', raw, BLOCK_KEYS)
    block = {k: copy.deepcopy(v) for k, v in raw.items() if v is not None}
    if 'test_scales' not in raw and 'scales' in block:
        block['test_scales'] = copy.deepcopy(block['scales'])
    for scales, ranges in (('scales', 'valid_ranges'),
                           ('test_scales', 'test_valid_ranges')):
        if scales in block and ranges in block and len(block[ranges]) != len(
                block[scales]):
            raise ValueError(
                f'{BLOCK}.{scales} has {len(block[scales])} scales but '
                f'{BLOCK}.{ranges} has {len(block[ranges])} ranges; give '
                f'one (lo, hi) per scale (set {BLOCK}.{ranges} too)')
    return block


def _resolve_one(path: str, target: dict, key: str, value, key_path: str,
                 fill: bool, force: bool = False) -> None:
    """Write (``fill``) or check ``value`` at ``key_path`` of ``target``;
    ``force`` overwrites (values copied from the block, ``from_block``)."""
    *parents, leaf = key_path.split('.')
    node = target
    for p in parents:
        if node.get(p, None) is None:
            if not fill:
                return
            node[p] = {}
        node = node[p]
    if leaf not in node or node[leaf] is None or (fill and force):
        if fill:
            node[leaf] = copy.deepcopy(value)
        return
    if _plain(node[leaf]) != _plain(value):
        raise ValueError(
            f'{path}.{key_path} = {_plain(node[leaf])!r} contradicts '
            f'{BLOCK}.{key} = {_plain(value)!r}: the SNIPER parameters '
            f'have one source, the {BLOCK} block; set {BLOCK}.{key} (in '
            f'the config or --cfg-options {BLOCK}.{key}=...) and leave '
            f'{key_path} out of {type_name(target)}')


#: Settings dicts of the test-time wrappers that may carry ``from_block``.
_WRAPPER_CFG = dict(SniperMultiScaleTTA='tta_cfg',
                    AutoFocusDetector='autofocus_cfg')


def _pop_marker(path: str, target: dict, kinds: List[str],
                block: dict) -> bool:
    """Remove a test-time wrapper's ``from_block`` marker; True when it was
    there (its block values are then overwritten, the block wins)."""
    for kind, key in _WRAPPER_CFG.items():
        sub = target.get(key, None)
        if kind in kinds and isinstance(sub, dict) and 'from_block' in sub:
            if sub['from_block'] != BLOCK or not block:
                raise ValueError(
                    f"{path}.{key}.from_block = {sub['from_block']!r}: the "
                    f'config has no {BLOCK!r} block to fill it from')
            sub.pop('from_block')
            return True
    return False


def resolve_sniper_block(cfg: _Cfg) -> _Cfg:
    """Write the config's ``sniper`` block into the dicts that use it, in
    place; idempotent.

    For every dict of a type in :data:`BLOCK_TARGETS` (or a registered
    subclass) anywhere in the config, each block key is written at its key
    path when that path is absent; a path that is set to a different value
    raises (one source of truth), as does a different explicit value in
    the dicts of :data:`CHECKED_TARGETS`. Without a ``sniper`` block
    nothing is written. Either way the ``chip_cfg`` of every
    ``SniperDataset`` is checked for unknown keys.

    Args:
        cfg (Config | dict): A full config.

    Returns:
        Config | dict: ``cfg``.

    Raises:
        KeyError: For an unknown key in the block or in a ``chip_cfg``
            (the message lists the valid keys).
        ValueError: For a value that contradicts the block, a top-level
            variable named like a block key (it would be read by nothing),
            or scales and valid ranges of different lengths.

    Examples:
        >>> from mmengine.config import Config
        >>> cfg = Config(dict(
        ...     sniper=dict(scales=(2.0, 1.0, 256), chip_size=320),
        ...     train_dataloader=dict(dataset=dict(type='SniperDataset')),
        ...     tta_model=dict(type='SniperMultiScaleTTA')))
        >>> cfg = resolve_sniper_block(cfg)
        >>> cfg.train_dataloader.dataset.chip_cfg.chip_size
        320
        >>> cfg.tta_model.tta_cfg.scales
        (2.0, 1.0, 256)
    """
    block = read_sniper_block(cfg)
    if block:
        stray = sorted(k for k in cfg.keys() if k in _STRAY_KEYS)
        if stray:
            raise ValueError(
                f'top-level {stray} of the config are read by nothing: the '
                f'SNIPER parameters live in the {BLOCK} block; write '
                f'{BLOCK} = dict({stray[0]}=...) (children override its '
                'keys)')
    for key in list(cfg.keys()):
        if key == BLOCK:
            continue
        for path, target in _typed_dicts(cfg[key], key):
            kinds = _kinds(target)
            chip_cfg = target.get('chip_cfg', None)
            if 'SniperDataset' in kinds and isinstance(chip_cfg, dict) \
                    and 'from_block' in chip_cfg:
                if chip_cfg['from_block'] != BLOCK or not block:
                    raise ValueError(
                        f'{path}.chip_cfg.from_block = '
                        f"{chip_cfg['from_block']!r}: the config has no "
                        f'{BLOCK!r} block to fill it from')
                chip_cfg.pop('from_block')
            force = _pop_marker(path, target, kinds, block)
            if 'SniperDataset' in kinds:
                check_keys(f'{path}.chip_cfg', target.get('chip_cfg', None)
                           or {}, CHIP_CFG_KEYS)
            for table, fill in ((BLOCK_TARGETS, True),
                                (CHECKED_TARGETS, False)):
                for bkey, targets in table.items():
                    if bkey not in block:
                        continue
                    for kind, key_path in targets:
                        if kind in kinds:
                            _resolve_one(path, target, bkey, block[bkey],
                                         key_path, fill, force)
    return cfg
