"""The AutoFocus configs: every one parses and builds its detector and both
test-time wrappers; the benchmark model's stages chain their checkpoints;
the quickstart config shortens the synthetic recipe only in its schedule."""
import glob
import os.path as osp

import pytest
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.engine import resolve_sniper_block

ROOT = osp.join(osp.dirname(__file__), '..', '..')
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'autofocus',
                                     'autofocus_*.py')))


def _cfg(name: str) -> Config:
    return Config.fromfile(osp.join(ROOT, 'configs', 'autofocus', name))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_autofocus_config(path):
    cfg = resolve_sniper_block(Config.fromfile(path))
    assert cfg.model.type == 'FocusFasterRCNN'
    assert cfg.model.focus_head.type == 'FocusPixelHead'
    assert cfg.train_dataloader.dataset.type == 'SniperDataset'
    # the FocusPixel labels are painted from every box of the chip, those
    # under SnipChipCrop's min_box_side included (spec 5.1)
    pack = [t for t in cfg.train_dataloader.dataset.dataset.pipeline
            if t.type == 'PackDetInputs'][0]
    assert 'chip_focus_bboxes' in pack.meta_keys
    assert cfg.model.focus_head.get('use_ignored_instances', True)
    af = cfg.autofocus_test_model.autofocus_cfg
    # coarse to fine: one focus transition between consecutive scales
    assert len(af.scales) == len(af.valid_ranges) == len(af.focus) + 1
    tta = cfg.sniper_test_model.tta_cfg
    assert cfg.sniper_test_model.type == 'SniperMultiScaleTTA'
    assert tta.scales == cfg.sniper.get('test_scales', cfg.sniper.scales)
    assert tta.valid_ranges == cfg.sniper.test_valid_ranges
    assert cfg.tta_model == cfg.sniper_test_model  # --tta: the same pyramid
    if '_synthetic' not in osp.basename(path):
        return  # the COCO R-101 model is built by the SNIPER config tests
    init_default_scope('mmdet')
    detector = MODELS.build(cfg.model)
    for key in ('autofocus_test_model', 'sniper_test_model'):
        wrapper = MODELS.build(dict(**cfg[key], detector=detector))
        assert wrapper.detector is detector


def test_benchmark_stages_chain():
    names = ['focus-only-2e', 'focus-only-4e-cont', 'joint-ft-2e']
    cfgs = [
        _cfg(f'autofocus_faster-rcnn_r18-w16_fpn_{n}_synthetic.py')
        for n in names
    ]
    assert cfgs[0].load_from == ('work_dirs/sniper_faster-rcnn_r18-w16_fpn_'
                                 '1xb8-4e_synthetic/epoch_4.pth')
    for prev, name, cfg in zip(cfgs, names, cfgs[1:]):
        # tools/train.py's default work dir is work_dirs/<config name>
        assert cfg.load_from == (
            f'work_dirs/autofocus_faster-rcnn_r18-w16_fpn_{name}_synthetic/'
            f'epoch_{prev.train_cfg.max_epochs}.pth')
    assert [c.model.train_cfg.get('focus_head_only', False)
            for c in cfgs] == [True, True, False]
    script = open(osp.join(ROOT, 'tools', 'misc',
                           'train_autofocus_synthetic.sh')).read()
    for n in names:
        assert f'autofocus_faster-rcnn_r18-w16_fpn_{n}_synthetic.py' in script


def test_quickstart_config_differs_only_in_schedule():
    full = _cfg('autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py')
    quick = _cfg('autofocus_faster-rcnn_r18-w16_fpn_quickstart_synthetic.py')
    assert quick.train_cfg.max_epochs < full.train_cfg.max_epochs
    for key in ('model', 'train_dataloader', 'autofocus_test_model',
                'sniper_test_model', 'test_dataloader'):
        assert quick[key] == full[key], key
