"""Ablations by inheritance take effect: a 3-line child config (or
``--cfg-options``) that changes keys of the ``sniper`` block changes what
the built SniperDataset, its SnipChipCrop and NegChipMine, and the
test-time wrappers use, through the runner that mmdet's own tools build
(``RUNNERS.build(cfg)``, ``runner_type``); typos and contradictions fail
when the config is built, naming the valid keys."""
import os.path as osp
import runpy

import pytest
from mmengine.config import Config, ConfigDict
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import init_default_scope
from mmdet.registry import MODELS
from mmdet.registry import RUNNERS as MMDET_RUNNERS

from mmsniper.apis import tta_config
from mmsniper.engine import BLOCK_KEYS, SniperRunner, resolve_sniper_block

ROOT = osp.join(osp.dirname(__file__), '..', '..')
SNIPER_CFG = osp.abspath(
    osp.join(ROOT, 'configs', 'sniper',
             'sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'))
AF_CFG = osp.abspath(
    osp.join(ROOT, 'configs', 'autofocus',
             'autofocus_faster-rcnn_r18-w16_fpn_quickstart_synthetic.py'))
AF_PYRAMID_LEAF = osp.abspath(
    osp.join(ROOT, 'configs', 'autofocus',
             'autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_'
             'pyramid-test.py'))
#: main(argv) of tools/train.py, run in-process
run_train = runpy.run_path(osp.join(ROOT, 'tools', 'train.py'))['main']
SCALES = (1.0, 0.5, 192)
RANGES = ((-1, 80), (48, 200), (150, -1))
CHIP = 192


def _child(tmp_path, base: str, *lines: str, name='ablation.py') -> str:
    path = tmp_path / name
    path.write_text('\n'.join([f'_base_ = {base!r}', *lines]) + '\n')
    return str(path)


def _load(path: str, root: str, work_dir: str, **options) -> Config:
    """The config as a tool loads it: the file, then ``--cfg-options``
    (here the data root of the tiny preset)."""
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(
        {'train_dataloader.dataset.dataset.data_root': f'{root}/',
         'work_dir': work_dir, **options})
    return cfg


def _budget(budget) -> dict:
    """A wrapper's Budget as the block's dict."""
    return dict(per_mpix=budget.per_mpix, min=budget.min, max=budget.max)


def _crop(dataset):
    return [t for t in dataset.dataset.pipeline.transforms
            if type(t).__name__ == 'SnipChipCrop'][0]


def _check_training(ds, scales, ranges, chip):
    """What the built dataset, its SnipChipCrop and NegChipMine use."""
    assert tuple(ds.chip_cfg['scales']) == tuple(scales)
    assert [tuple(r) for r in ds.chip_cfg['valid_ranges']] == list(ranges)
    assert ds.chip_cfg['chip_size'] == chip
    assert ds.neg_chip_mine.chip_size == chip  # negative chips alike
    assert ds.neg_chip_mine.valid_ranges == tuple(ranges)
    assert len(ds.stats['chips_per_scale']) == len(scales)
    infos = [ds.get_chip_info(i) for i in range(len(ds))]
    assert {c['chip_size'] for c in infos} == {chip}
    fine = [c for c in infos if c['chip_scale_idx'] == 0]
    assert fine and all(c['chip_factor'] == scales[0] for c in fine)
    # SnipChipCrop pads every chip to the block's chip size
    assert _crop(ds).chip_size is None
    sample = ds[0]
    assert tuple(sample['inputs'].shape[-2:]) == (chip, chip)


@pytest.fixture(scope='module')
def parent_chips(tiny_synthetic_root, tmp_path_factory):
    """Chip count per scale of the unchanged SNIPER config."""
    init_default_scope('mmdet')
    work = str(tmp_path_factory.mktemp('parent'))
    cfg = _load(SNIPER_CFG, tiny_synthetic_root, work,
                experiment_name='ablation_parent')
    runner = MMENGINE_RUNNERS.build(cfg)
    return runner.train_dataloader.dataset.stats['chips_per_scale']


def test_three_line_child_changes_training_and_testing(
        tmp_path, tiny_synthetic_root, parent_chips):
    path = _child(
        tmp_path, SNIPER_CFG,
        f'sniper = dict(scales={SCALES}, chip_size={CHIP},',
        f'              valid_ranges={RANGES})')
    assert len(open(path).read().splitlines()) == 3
    # mmdet's tools/train.py: RUNNERS (mmengine's root registry) builds
    # `runner_type`, which the config inherits from sniper_runtime.py
    cfg = _load(path, tiny_synthetic_root, str(tmp_path / 'train'),
                experiment_name='ablation_sniper')
    runner = MMENGINE_RUNNERS.build(cfg)
    assert isinstance(runner, SniperRunner)
    ds = runner.train_dataloader.dataset
    _check_training(ds, SCALES, RANGES, CHIP)
    assert ds.stats['chips_per_scale'] != parent_chips
    assert runner.cfg.train_dataloader.dataset.chip_cfg.chip_size == CHIP
    # mmdet's tools/test.py --tta: cfg.model wrapped in tta_model, then
    # mmdet's RUNNERS builds the runner
    cfg = _load(path, tiny_synthetic_root, str(tmp_path / 'tta'),
                experiment_name='ablation_tta')
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    model = MMDET_RUNNERS.build(cfg).model
    assert tuple(model.scales) == SCALES  # the training scales
    assert [tuple(r) for r in model.valid_ranges] == [
        tuple(r) for r in cfg.sniper.test_valid_ranges]
    assert _budget(model.rpn_budget) == dict(cfg.sniper.test_rpn_budget)
    # our tools/test.py --tta, the demo --tta (mmsniper.apis.tta_config)
    cfg = tta_config(Config.fromfile(path))
    assert tuple(cfg.model.tta_cfg.scales) == SCALES
    assert tuple(MODELS.build(cfg.model).scales) == SCALES


def test_autofocus_child_changes_dataset_and_both_wrappers(
        tmp_path, tiny_synthetic_root):
    path = _child(
        tmp_path, AF_CFG,
        f'sniper = dict(scales={SCALES}, valid_ranges={RANGES},',
        f'              chip_size={CHIP}, test_rpn_budget=dict(max=500))')
    cfg = _load(path, tiny_synthetic_root, str(tmp_path / 'train'),
                experiment_name='ablation_autofocus')
    _check_training(MMDET_RUNNERS.build(cfg).train_dataloader.dataset,
                    SCALES, RANGES, CHIP)
    budget = dict(per_mpix=510, min=100, max=500)
    # --tta: AutoFocus, its scales its own (coarse to fine)
    autofocus = MODELS.build(tta_config(Config.fromfile(path)).model)
    assert type(autofocus).__name__ == 'AutoFocusDetector'
    assert _budget(autofocus.rpn_budget) == budget
    assert tuple(autofocus.scales) == (512, 0.75, 1.5)
    # a child of the pyramid leaf config: the values its wrapper copied
    # from the parent's block (from_block) give way to the child's block
    leaf = _child(
        tmp_path, AF_PYRAMID_LEAF,
        f'sniper = dict(scales={SCALES}, valid_ranges={RANGES},',
        f'              chip_size={CHIP}, test_rpn_budget=dict(max=500))',
        name='pyramid_ablation.py')
    raw = Config.fromfile(leaf)
    assert tuple(raw.model.tta_cfg.scales) != SCALES  # parse-time copy
    sniper = MODELS.build(resolve_sniper_block(raw).model)
    assert type(sniper).__name__ == 'SniperMultiScaleTTA'
    assert tuple(sniper.scales) == SCALES
    assert _budget(sniper.rpn_budget) == budget


def test_cfg_options_change_training_and_testing(tiny_synthetic_root,
                                                 tmp_path):
    # --cfg-options sniper.scales=[1.0,0.5,192] sniper.chip_size=192 ...
    cfg = _load(SNIPER_CFG, tiny_synthetic_root, str(tmp_path),
                experiment_name='ablation_options',
                **{'sniper.scales': list(SCALES), 'sniper.chip_size': CHIP,
                   'sniper.valid_ranges': [list(r) for r in RANGES]})
    runner = MMENGINE_RUNNERS.build(cfg)
    _check_training(runner.train_dataloader.dataset, SCALES, RANGES, CHIP)
    assert runner.cfg.tta_model.tta_cfg.scales == list(SCALES)
    # SNIPER tests at other scales than it trains at only when told so
    cfg = Config.fromfile(SNIPER_CFG)
    cfg.merge_from_dict({'sniper.test_scales': [1.0, 0.5],
                         'sniper.test_valid_ranges': [[-1, 100], [50, -1]]})
    resolve_sniper_block(cfg)
    tta = cfg.tta_model.tta_cfg
    assert tta.scales == [1.0, 0.5]
    assert tta.valid_ranges == [[-1, 100], [50, -1]]
    assert cfg.train_dataloader.dataset.chip_cfg.scales == (1.5, 0.75, 256)


def test_old_style_overrides_fail_naming_the_block(tmp_path):
    # the ablation: top-level variables of the parent's block
    path = _child(tmp_path, SNIPER_CFG, 'scales = (1.0, 0.5, 192)',
                  'chip_size = 192')
    with pytest.raises(ValueError, match=r"sniper = dict\(chip_size=\.\.\."):
        resolve_sniper_block(Config.fromfile(path))
    # a training-only override would test at stale scales: refused
    cfg = Config.fromfile(SNIPER_CFG)
    cfg.merge_from_dict({'train_dataloader.dataset.chip_cfg.scales': [1.0]})
    with pytest.raises(ValueError, match='set sniper.scales'):
        resolve_sniper_block(cfg)
    cfg = Config.fromfile(SNIPER_CFG)
    cfg.merge_from_dict({'train_dataloader.dataset.dataset.pipeline.3': dict(
        type='SnipChipCrop', chip_size=512)})
    with pytest.raises(ValueError, match='chip_size = 512 contradicts'):
        resolve_sniper_block(cfg)
    # scales and ranges of different lengths
    cfg = Config.fromfile(SNIPER_CFG)
    cfg.merge_from_dict({'sniper.scales': [1.0, 0.5]})
    with pytest.raises(ValueError, match='set sniper.valid_ranges too'):
        resolve_sniper_block(cfg)


@pytest.mark.parametrize('lines', [
    ['sniper = dict(chip_sise=192)'],
    ['train_dataloader = dict(dataset=dict(chip_cfg=dict(chip_sise=192)))'],
], ids=['block', 'chip_cfg'])
def test_typo_fails_when_the_config_is_built(tmp_path, capsys, lines):
    path = _child(tmp_path, SNIPER_CFG, *lines)
    cfg = Config.fromfile(path)
    cfg.work_dir = str(tmp_path)
    # before the runner builds anything (mmdet's tools, RUNNERS.build)
    with pytest.raises(KeyError, match=r"unknown keys \['chip_sise'\]") as e:
        MMENGINE_RUNNERS.build(cfg)
    msg = str(e.value)
    assert 'valid keys' in msg and "'chip_size'" in msg and "'stride'" in msg
    if lines[0].startswith('sniper'):
        assert all(repr(k) in msg for k in BLOCK_KEYS)
    # the project's tools: one line, exit code 2
    with pytest.raises(SystemExit) as e:
        run_train([path, '--work-dir', str(tmp_path)])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: ')
    assert "unknown keys ['chip_sise']" in err[0]


def test_resolution_is_idempotent_and_keeps_other_configs():
    cfg = resolve_sniper_block(Config.fromfile(SNIPER_CFG))
    again = resolve_sniper_block(Config.fromfile(SNIPER_CFG))
    resolve_sniper_block(again)
    assert again.to_dict() == cfg.to_dict()
    # a config without a block is left as it is
    plain = Config(dict(model=dict(type='SniperMultiScaleTTA',
                                   tta_cfg=dict(scales=[1.0]))))
    assert resolve_sniper_block(plain).model.tta_cfg == dict(scales=[1.0])
