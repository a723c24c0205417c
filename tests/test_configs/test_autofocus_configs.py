"""The AutoFocus configs: every training config parses, has AutoFocus as
its tta_model and builds it; the *-test.py leaf configs are that wrapper
(or the full pyramid) around the same detector; the benchmark model's
stages chain their checkpoints; the quickstart config shortens the
synthetic recipe only in its schedule."""
import glob
import os.path as osp

import pytest
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.apis import is_tta_model, tta_config
from mmsniper.engine import resolve_sniper_block

ROOT = osp.join(osp.dirname(__file__), '..', '..')
ALL = sorted(glob.glob(osp.join(ROOT, 'configs', 'autofocus',
                                 'autofocus_*.py')))
#: training configs; the *-test.py leaf configs (model = a test-time
#: wrapper) are checked by test_leaf_config
CONFIGS = [p for p in ALL if not p.endswith('-test.py')]
LEAVES = [p for p in ALL if p.endswith('-test.py')]


def _cfg(name: str) -> Config:
    return Config.fromfile(osp.join(ROOT, 'configs', 'autofocus', name))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_autofocus_config(path):
    cfg = resolve_sniper_block(Config.fromfile(path))
    assert cfg.model.type in ('FocusFasterRCNN', 'FocusMaskRCNN',
                              'FocusRetinaNet', 'FocusATSS')
    assert cfg.model.focus_head.type == 'FocusPixelHead'
    assert cfg.train_dataloader.dataset.type == 'SniperDataset'
    # the FocusPixel labels are painted from every box of the chip, those
    # under SnipChipCrop's min_box_side included (spec 5.1)
    pack = [t for t in cfg.train_dataloader.dataset.dataset.pipeline
            if t.type == 'PackChipInputs'][0]
    from mmdet.registry import TRANSFORMS
    assert 'chip_focus_bboxes' in TRANSFORMS.build(pack).meta_keys
    assert cfg.model.focus_head.get('use_ignored_instances', True)
    # the stride-16 level: P4 of P2-P6 (two-stage), of P3-P7 (one-stage);
    # the *-p3 ablation: stride 8, P3 of P2-P6
    one_stage = cfg.model.type in ('FocusRetinaNet', 'FocusATSS')
    want = 8 if '-p3_' in osp.basename(path) else 16
    assert cfg.model.focus_head.stride == want
    first = 8 if one_stage else 4  # stride of the FPN's first level
    assert cfg.model.focus_head.in_index == (want // first).bit_length() - 1
    # --tta: AutoFocus (configs/_base_/tta/autofocus.py) on the original
    # image, with the `sniper` block's budgets
    assert cfg.tta_model.type == 'AutoFocusDetector'
    af = cfg.tta_model.autofocus_cfg
    # coarse to fine: one focus transition between consecutive scales
    assert len(af.scales) == len(af.valid_ranges) == len(af.focus) + 1
    for key in ('rpn_budget', 'det_budget'):
        assert af.get(key) == cfg.sniper.get(f'test_{key}')
    assert [t['type'] for t in cfg.tta_pipeline] == [
        'LoadImageFromFile', 'LoadAnnotations', 'PackImageView']
    assert [m['type'] for m in cfg.test_evaluator][-1] == \
        'ProcessedPixelsMetric'
    if '_synthetic' not in osp.basename(path):
        return  # the COCO R-101 model is built by the SNIPER config tests
    init_default_scope('mmdet')
    wrapper = MODELS.build(tta_config(cfg).model)
    assert type(wrapper).__name__ == 'AutoFocusDetector'
    assert type(wrapper.module).__name__ == cfg.model.type
    assert wrapper.rpn_budget.max == cfg.sniper.test_rpn_budget.max


@pytest.mark.parametrize('path', LEAVES, ids=osp.basename)
def test_leaf_config(path):
    """A *-test.py config: its model is the wrapper around the training
    config's detector, its test pipeline the tta_pipeline, and its block
    values are marked to be overwritten by a runner."""
    raw = Config.fromfile(path)
    kind = 'autofocus_cfg' if path.endswith('_autofocus-test.py') \
        else 'tta_cfg'
    assert raw.model[kind].from_block == 'sniper'
    cfg = resolve_sniper_block(Config.fromfile(path))
    train = Config.fromfile(path.replace(
        '_autofocus-test.py', '.py').replace('_pyramid-test.py', '.py'))
    assert is_tta_model(cfg.model) and cfg.model.backbone == {}
    assert cfg.model.module == train.model
    assert cfg.test_dataloader.dataset.pipeline == train.tta_pipeline
    inner = cfg.model[kind]
    assert inner.rpn_budget == train.sniper.test_rpn_budget
    if kind == 'tta_cfg':  # the full pyramid at the block's test scales
        assert cfg.model.type == 'SniperMultiScaleTTA'
        assert inner.scales == train.sniper.scales
        assert inner.valid_ranges == train.sniper.test_valid_ranges
        assert 'focus' not in inner
    else:
        assert cfg.model.type == 'AutoFocusDetector'
    with pytest.raises(ValueError, match='already is a test-time wrapper'):
        tta_config(cfg)
    init_default_scope('mmdet')
    assert type(MODELS.build(cfg.model)).__name__ == cfg.model.type


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
    for key in ('model', 'train_dataloader', 'tta_model', 'tta_pipeline',
                'test_dataloader', 'sniper'):
        assert quick[key] == full[key], key


@pytest.mark.parametrize('name', [
    'autofocus_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py',
    'autofocus_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'])
def test_one_focus_transition_from_cfg_options(name):
    """``--cfg-options tta_model.autofocus_cfg.focus.1.threshold=...`` edits
    one transition (mmengine indexes lists, not tuples)."""
    import argparse

    from mmengine.config import DictAction
    cfg = _cfg(name)
    before = [dict(f) for f in cfg.tta_model.autofocus_cfg.focus]
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='+', action=DictAction)
    cfg.merge_from_dict(parser.parse_args(
        ['--o', 'tta_model.autofocus_cfg.focus.1.threshold=0.123']).o)
    after = cfg.tta_model.autofocus_cfg.focus
    assert after[1]['threshold'] == 0.123
    assert dict(after[0]) == before[0]
    assert {k: v for k, v in after[1].items() if k != 'threshold'} == {
        k: v for k, v in before[1].items() if k != 'threshold'}


def test_posw3_weights_focus_pixels_three_times():
    """The loss-weighting ablation's head weights a FocusPixel cell 3x a
    negative one; its parent's head weights both 1 (spec 5.2)."""
    import math

    import torch
    init_default_scope('mmdet')
    heads = [
        MODELS.build(_cfg(f'autofocus_faster-rcnn_r18-w16_fpn_{n}_synthetic'
                          '.py').model.focus_head)
        for n in ('joint-12e', 'joint-12e-posw3')
    ]
    # equal logits: every labelled cell costs ln 2 before weighting
    preds = torch.zeros(1, 2, 1, 3)
    labels = torch.tensor([[[1, 0, -1]]])
    plain, weighted = [h.loss_by_feat(preds, labels)['loss_focus'].item()
                       for h in heads]
    assert plain == pytest.approx(math.log(2))
    # (3 ln2 + 1 ln2) over the 2 labelled cells
    assert weighted == pytest.approx(2 * math.log(2))
    # a positive-only map: weighted 3x, still averaged over labelled cells
    pos = torch.tensor([[[1, 1, -1]]])
    assert heads[1].loss_by_feat(preds, pos)['loss_focus'].item() == \
        pytest.approx(3 * math.log(2))


def test_dclow1_labels_tiny_boxes_as_focus_pixels():
    """The don't-care-bound ablation's head labels a 2 px box (sqrt(area)
    in (1.0, 2.5]) a FocusPixel; its parent's head ignores it (spec 5.1's
    bound, halved for the synthetic recipe). A 1 px box stays don't care
    in both, a 10 px box is a FocusPixel in both."""
    import torch
    init_default_scope('mmdet')
    heads = [
        MODELS.build(_cfg(f'autofocus_faster-rcnn_r18-w16_fpn_{n}_synthetic'
                          '.py').model.focus_head)
        for n in ('joint-12e', 'joint-12e-dclow1')
    ]
    assert [h.dc_low for h in heads] == [2.5, 1.0]
    # one box per cell of a 1 x 3 map (stride 16): 2 px, 1 px, 10 px
    boxes = torch.tensor([[2., 2., 4., 4.], [18., 2., 19., 3.],
                          [34., 2., 44., 12.]])
    plain, low = [h.get_targets([boxes], (1, 3))[0, 0].tolist()
                  for h in heads]
    assert plain == [-1, -1, 1]
    assert low == [1, -1, 1]


def test_joint18e_differs_from_joint12e_only_in_epochs():
    """The more-epochs ablation runs the twelve-epoch recipe for 18 epochs,
    validating once at the end; model, data, schedule shape and test time
    are the parent's."""
    parent = _cfg('autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py')
    longer = _cfg('autofocus_faster-rcnn_r18-w16_fpn_joint-18e_synthetic.py')
    assert (parent.train_cfg.max_epochs, longer.train_cfg.max_epochs) == (12,
                                                                          18)
    assert longer.train_cfg.val_interval == 18
    for key in ('model', 'train_dataloader', 'optim_wrapper',
                'param_scheduler', 'tta_model', 'tta_pipeline', 'sniper'):
        assert longer[key] == parent[key], key
    # the cosine phase has no fixed end, so it stretches to the 18 epochs
    cosine = [s for s in longer.param_scheduler
              if s.type == 'CosineAnnealingLR'][0]
    assert 'end' not in cosine and 'T_max' not in cosine


def test_cr100_changes_only_the_coarse_valid_range():
    """The coarse-range leaf tests the 18-epoch checkpoint with the coarse
    scale keeping boxes over 100 px instead of 40, in --tta's wrapper and
    in the *_autofocus-test.py wrapper alike; training and everything else
    at test time are the 18-epoch config's."""
    import copy
    parent = _cfg('autofocus_faster-rcnn_r18-w16_fpn_joint-18e_synthetic.py')
    leaf = _cfg('autofocus_faster-rcnn_r18-w16_fpn_joint-18e-cr100_'
                'synthetic.py')
    for key in ('model', 'train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler', 'tta_pipeline', 'sniper'):
        assert leaf[key] == parent[key], key
    for key in ('tta_model', 'autofocus_test_model'):
        ranges = [[list(r) for r in c[key].autofocus_cfg.valid_ranges]
                  for c in (parent, leaf)]
        assert ranges == [[[40, -1], [-1, 192], [-1, 72]],
                          [[100, -1], [-1, 192], [-1, 72]]], key
        rest = [copy.deepcopy(c[key].to_dict()) for c in (parent, leaf)]
        for r in rest:
            r['autofocus_cfg'].pop('valid_ranges')
        assert rest[0] == rest[1], key
    # the wrapper built from the leaf filters its coarse scale at 100 px
    init_default_scope('mmdet')
    cfg = resolve_sniper_block(leaf)
    wrapper = MODELS.build(dict(cfg.tta_model, module=cfg.model))
    assert [tuple(r) for r in wrapper.valid_ranges][0] == (100, -1)


@pytest.mark.parametrize('epochs', [3, 9])
def test_focus512_trains_the_head_alone_on_the_coarse_test_scale(epochs):
    """The coarse-scale head ablation starts from the 18-epoch checkpoint,
    trains only the FocusPixel head, adds the AutoFocus coarse scale (long
    side 512) to the chip scales with every box up to 256 px valid, and
    keeps the three-scale pyramid test and the AutoFocus test (coarse
    valid range 100) of its parent, the coarse-range leaf."""
    parent = resolve_sniper_block(
        _cfg('autofocus_faster-rcnn_r18-w16_fpn_joint-18e-cr100_synthetic.py'))
    cfg = resolve_sniper_block(
        _cfg('autofocus_faster-rcnn_r18-w16_fpn_joint-18e-focus512-'
             f'{epochs}e_synthetic.py'))
    assert cfg.load_from.endswith(
        'joint-18e_synthetic/epoch_18.pth')
    assert cfg.model.train_cfg.focus_head_only is True
    assert cfg.train_cfg.max_epochs == epochs
    chip = cfg.train_dataloader.dataset.chip_cfg
    assert list(chip.scales) == [1.5, 0.75, 512, 256]
    assert [list(r) for r in chip.valid_ranges] == [[-1, 64], [40, 160],
                                                   [-1, 256], [120, -1]]
    # the 512 scale is the AutoFocus coarse scale
    assert cfg.tta_model.autofocus_cfg.scales[0] == 512
    pyramid = cfg.pyramid_test_model.tta_cfg
    assert list(pyramid.scales) == [1.5, 0.75, 256]
    assert len(pyramid.valid_ranges) == 3
    assert cfg.pyramid_test_model == parent.pyramid_test_model
    assert cfg.tta_model == parent.tta_model
    assert list(cfg.tta_model.autofocus_cfg.valid_ranges[0]) == [100, -1]
    # the detector is frozen: only the head has trainable parameters
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    trainable = {n.split('.')[0] for n, p in model.named_parameters()
                 if p.requires_grad}
    assert trainable == {'focus_head'}
