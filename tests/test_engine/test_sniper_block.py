"""The config's ``sniper`` block (sniper_block.py): read_sniper_block and
resolve_sniper_block on small hand-made config dicts (no config file, no
dataset built)."""
import re

import pytest
from mmengine.config import Config

from mmsniper.datasets import SniperDataset
from mmsniper.engine import BLOCK_KEYS, read_sniper_block, resolve_sniper_block

SCALES = (2.0, 1.0, 256)
RANGES = ((-1, 80), (48, 200), (150, -1))
BUDGET = dict(per_mpix=300, min=50, max=1000)


def _cfg(**top) -> dict:
    """A SniperDataset (inside a ConcatDataset), its pipeline and both
    test-time wrappers, with nothing set that the block sets."""
    return dict(
        train_dataloader=dict(dataset=dict(
            type='ConcatDataset',
            datasets=[dict(type='SniperDataset',
                           dataset=dict(type='CocoDataset', pipeline=[
                               dict(type='SnipChipCrop'),
                               dict(type='NegChipMine')]))])),
        tta_model=dict(type='SniperMultiScaleTTA'),
        model=dict(type='AutoFocusDetector', autofocus_cfg=dict()),
        **top)


def _dataset(cfg: dict) -> dict:
    return cfg['train_dataloader']['dataset']['datasets'][0]


def test_read_block_defaults_and_checks():
    assert read_sniper_block(dict(model=dict())) == {}
    assert read_sniper_block(dict(sniper=None)) == {}
    block = read_sniper_block(dict(sniper=dict(scales=SCALES, stride=None,
                                               chip_size=320)))
    # test_scales from scales (a copy); None values are not there
    assert block == dict(scales=SCALES, chip_size=320, test_scales=SCALES)
    raw = dict(sniper=dict(scales=[2.0, 1.0], test_scales=None,
                           valid_ranges=[[-1, 80], [48, -1]]))
    block = read_sniper_block(raw)
    assert 'test_scales' not in block  # None: SNIPER's default left alone
    block['scales'].append(0.5)
    assert raw['sniper']['scales'] == [2.0, 1.0]
    with pytest.raises(TypeError, match='sniper must be a dict of SNIPER '
                       'parameters, got tuple'):
        read_sniper_block(dict(sniper=SCALES))


def test_typo_lists_the_valid_keys():
    with pytest.raises(KeyError) as e:
        read_sniper_block(dict(sniper=dict(chip_sise=320, scale=SCALES)))
    msg = str(e.value)
    assert "the sniper block has unknown keys ['chip_sise', 'scale']" in msg
    assert "did you mean 'chip_size' for 'chip_sise', 'scales' for " \
           "'scale'" in msg
    assert f'valid keys: {list(BLOCK_KEYS)}' in msg
    # a typo in a SniperDataset chip_cfg is refused too, block or none
    cfg = _cfg()
    _dataset(cfg)['chip_cfg'] = dict(strides=(10, 10))
    with pytest.raises(KeyError, match=re.escape(
            'train_dataloader.dataset.datasets[0].chip_cfg has unknown keys '
            "['strides'] (did you mean 'stride' for 'strides'?)")):
        resolve_sniper_block(cfg)


def test_scales_and_ranges_must_pair():
    with pytest.raises(ValueError, match=re.escape(
            'sniper.scales has 2 scales but sniper.valid_ranges has 3 '
            'ranges; give one (lo, hi) per scale (set sniper.valid_ranges '
            'too)')):
        read_sniper_block(dict(sniper=dict(scales=(1.0, 0.5),
                                           valid_ranges=RANGES)))
    with pytest.raises(ValueError, match='sniper.test_scales has 3 scales '
                       'but sniper.test_valid_ranges has 1'):
        read_sniper_block(dict(sniper=dict(scales=SCALES,
                                           test_valid_ranges=[(-1, -1)])))


def test_block_is_written_where_it_is_used():
    cfg = resolve_sniper_block(_cfg(sniper=dict(
        scales=SCALES, valid_ranges=RANGES, chip_size=320,
        test_valid_ranges=RANGES, test_rpn_budget=BUDGET,
        test_det_budget=dict(per_mpix=100))))
    ds = _dataset(cfg)
    assert ds['chip_cfg'] == dict(scales=SCALES, valid_ranges=RANGES,
                                  chip_size=320)
    # the transforms take the dataset's values at run time: not written
    assert ds['dataset']['pipeline'] == [dict(type='SnipChipCrop'),
                                         dict(type='NegChipMine')]
    assert cfg['tta_model']['tta_cfg'] == dict(
        scales=SCALES, valid_ranges=RANGES, rpn_budget=BUDGET,
        det_budget=dict(per_mpix=100))
    # AutoFocus has its own (coarse-to-fine) scales: budgets only
    assert cfg['model']['autofocus_cfg'] == dict(
        rpn_budget=BUDGET, det_budget=dict(per_mpix=100))
    assert resolve_sniper_block(cfg) is cfg  # idempotent
    assert cfg['tta_model']['tta_cfg']['scales'] == SCALES


def test_types_by_class_scope_and_registered_subclass():
    cfg = resolve_sniper_block(dict(
        sniper=dict(chip_size=320, test_det_budget=BUDGET),
        a=dict(type=SniperDataset),
        b=dict(type='mmdet.SniperDataset'),
        c=dict(type='OracleAutoFocusDetector'),  # an AutoFocusDetector
        d=dict(type='CocoDataset')))
    assert cfg['a']['chip_cfg'] == cfg['b']['chip_cfg'] == dict(
        chip_size=320)
    assert cfg['c']['autofocus_cfg'] == dict(det_budget=BUDGET)
    assert cfg['d'] == dict(type='CocoDataset')


@pytest.mark.parametrize('where,key_path,value,key', [
    (lambda c: _dataset(c)['chip_cfg'], 'chip_cfg.chip_size', 512,
     'chip_size'),
    (lambda c: _dataset(c)['dataset']['pipeline'][0], 'chip_size', 512,
     'chip_size'),
    (lambda c: _dataset(c)['dataset']['pipeline'][1], 'valid_ranges',
     ((-1, -1), ) * 3, 'valid_ranges'),
    (lambda c: c['tta_model']['tta_cfg'], 'tta_cfg.scales', [1.0],
     'test_scales'),  # test_scales defaults to scales
    (lambda c: c['model']['autofocus_cfg'], 'autofocus_cfg.rpn_budget',
     dict(per_mpix=1), 'test_rpn_budget'),
])
def test_a_different_value_is_refused_naming_the_block_key(
        where, key_path, value, key):
    cfg = _cfg(sniper=dict(scales=SCALES, valid_ranges=RANGES,
                           chip_size=320, test_rpn_budget=BUDGET))
    _dataset(cfg).setdefault('chip_cfg', {})
    cfg['tta_model']['tta_cfg'] = {}
    target = where(cfg)
    target[key_path.split('.')[-1]] = value
    with pytest.raises(ValueError) as e:
        resolve_sniper_block(cfg)
    msg = str(e.value)
    assert f'.{key_path} = ' in msg and f'contradicts sniper.{key} = ' in msg
    assert f'set sniper.{key} (in the config or --cfg-options ' \
           f'sniper.{key}=...)' in msg


def test_the_same_value_is_accepted():
    # a config file's tuples equal --cfg-options' lists
    cfg = _cfg(sniper=dict(scales=SCALES, valid_ranges=RANGES,
                           chip_size=320))
    _dataset(cfg)['chip_cfg'] = dict(
        scales=list(SCALES), valid_ranges=[list(r) for r in RANGES],
        chip_size=320)
    _dataset(cfg)['dataset']['pipeline'][0]['chip_size'] = 320
    _dataset(cfg)['dataset']['pipeline'][1]['chip_size'] = None  # unset
    resolve_sniper_block(cfg)
    assert _dataset(cfg)['chip_cfg']['scales'] == list(SCALES)


def test_from_block_values_give_way_to_the_block():
    cfg = _cfg(sniper=dict(scales=SCALES, chip_size=320))
    cfg['tta_model']['tta_cfg'] = dict(scales=(1.0, ), from_block='sniper',
                                       max_per_img=7)
    _dataset(cfg)['chip_cfg'] = dict(from_block='sniper')
    resolve_sniper_block(cfg)
    assert cfg['tta_model']['tta_cfg'] == dict(scales=SCALES, max_per_img=7)
    assert _dataset(cfg)['chip_cfg'] == dict(scales=SCALES, chip_size=320)
    # a marker without a block to fill it from
    cfg = _cfg()
    cfg['model']['autofocus_cfg'] = dict(from_block='sniper')
    with pytest.raises(ValueError, match=re.escape(
            "model.autofocus_cfg.from_block = 'sniper': the config has no "
            "'sniper' block")):
        resolve_sniper_block(cfg)
    cfg = _cfg(sniper=dict(chip_size=320))
    _dataset(cfg)['chip_cfg'] = dict(from_block='other')
    with pytest.raises(ValueError, match=re.escape(
            "datasets[0].chip_cfg.from_block = 'other'")):
        resolve_sniper_block(cfg)


def test_stray_top_level_variables_are_refused():
    with pytest.raises(ValueError, match=re.escape(
            "top-level ['chip_size', 'scales'] of the config are read by "
            'nothing: the SNIPER parameters live in the sniper block; '
            'write sniper = dict(chip_size=...)')):
        resolve_sniper_block(_cfg(sniper=dict(chip_size=320),
                                  scales=SCALES, chip_size=256))
    # without a block they are the old configs' variables: left alone
    cfg = resolve_sniper_block(_cfg(scales=SCALES))
    assert 'chip_cfg' not in _dataset(cfg)


def test_config_objects_resolve_in_place():
    cfg = Config(_cfg(sniper=dict(scales=SCALES, chip_size=320)))
    assert resolve_sniper_block(cfg) is cfg
    assert cfg.train_dataloader.dataset.datasets[0].chip_cfg.chip_size == \
        320
    assert cfg.tta_model.tta_cfg.scales == SCALES
