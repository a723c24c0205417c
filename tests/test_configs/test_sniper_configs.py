"""The SNIPER configs: inheritance, the `sniper` block reaching the dataset
and the --tta pyramid (resolved as SniperRunner does), the
*_pyramid-test.py leaf configs and the 7-epoch schedule with its decay at
epoch 5.33 (the RPN twins: test_rpn_configs.py)."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim.scheduler import ConstantLR, LinearLR

from mmsniper.engine import resolve_sniper_block

ALL = sorted(
    glob.glob(
        osp.join(osp.dirname(__file__), '..', '..', 'configs', 'sniper',
                 'sniper_*.py')))
#: training configs; the *_pyramid-test.py leaf configs (model = the
#: pyramid wrapper) are checked by test_pyramid_leaf_config
CONFIGS = [p for p in ALL if not p.endswith('-test.py')]
LEAVES = [p for p in ALL if p.endswith('-test.py')]


def _check_assigner(a, ignore_thr):
    """SNIPER's IoU ignore rule, and no ``ignore_iof_thr`` left over from
    mmdet's base config (it would warn at build)."""
    assert a.type == 'SniperMaxIoUAssigner'
    assert (a.ignore_thr, a.ignore_mode) == (ignore_thr, 'iou')
    assert 'ignore_iof_thr' not in a


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_sniper_config(path, repo_root):
    cfg = resolve_sniper_block(Config.fromfile(path))
    assert cfg.runner_type == 'mmdet.SniperRunner'
    ds = cfg.train_dataloader.dataset
    assert ds.type == 'SniperDataset'
    for key in ('scales', 'valid_ranges', 'chip_size', 'stride'):
        assert ds.chip_cfg[key] == cfg.sniper[key]
    pipeline = (ds.dataset.get('pipeline', None)
                or ds.dataset.datasets[0].pipeline)
    crop = [t for t in pipeline if t['type'] == 'SnipChipCrop']
    assert len(crop) == 1
    # the original's tiny/crowd rules: 10 px on 512 chips, scaled with them
    assert crop[0].min_box_side == 10 * cfg.sniper.chip_size / 512
    assert 'chip_size' not in crop[0]  # the dataset's, from the block
    assert crop[0].flagged_boxes == 'drop'
    pack = [t for t in pipeline if t['type'] == 'PackChipInputs'][0]
    from mmdet.registry import TRANSFORMS
    assert 'chip_focus_bboxes' in TRANSFORMS.build(pack).meta_keys
    assert {'type': 'ChipRebuildHook'} in cfg.custom_hooks
    assert 'mmsniper' in cfg.custom_imports.imports
    # exact kill + resume: per-step seeds, mid-epoch resume, atomic saves
    assert cfg.train_cfg.type == 'ResumableEpochBasedTrainLoop'
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    name = osp.basename(path)
    # negative chips on in the GPU recipes, off on the CPU one; a proposal
    # file for tools/train_neg_props_and_sniper.sh either way
    assert ds.use_neg_chips != name.endswith('_synthetic.py')
    assert ds.proposal_file
    assert ds.neg_chip_mine.type == 'NegChipMine'
    assert ds.neg_chip_mine.num_neg_chips == 2
    assert cfg.rpn_config.startswith('configs/rpn/')
    assert osp.isfile(osp.join(repo_root, cfg.rpn_config))
    if 'bbox_head' in cfg.model:  # one-stage: RetinaNet, ATSS
        a = cfg.model.train_cfg.assigner
        assert a.type == ('SniperATSSAssigner' if cfg.model.type == 'ATSS'
                          else 'SniperMaxIoUAssigner')
        assert (a.ignore_thr, a.ignore_mode) == (0.3, 'iou')
        assert 'ignore_iof_thr' not in a
    else:
        _check_assigner(cfg.model.train_cfg.rpn.assigner, 0.3)
        _check_assigner(cfg.model.train_cfg.rcnn.assigner, 0.5)
    # --tta: the full pyramid at the block's test scales and ranges
    tta = cfg.tta_model
    assert tta.type == 'SniperMultiScaleTTA'
    assert tta.tta_cfg.scales == cfg.sniper.get('test_scales',
                                                cfg.sniper.scales)
    assert tta.tta_cfg.get('valid_ranges') == cfg.sniper.get(
        'test_valid_ranges')
    assert [t['type'] for t in cfg.tta_pipeline] == [
        'LoadImageFromFile', 'LoadAnnotations', 'PackImageView']
    assert cfg.test_evaluator[-1]['type'] == 'ProcessedPixelsMetric'
    assert cfg.model.backbone.norm_cfg.requires_grad
    assert not cfg.model.backbone.get('norm_eval', False)
    if name.endswith('_coco.py') or name.endswith('_voc0712.py'):
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
        assert cfg.train_cfg.max_epochs == 7


@pytest.mark.parametrize('path', LEAVES, ids=osp.basename)
def test_pyramid_leaf_config(path):
    """The leaf config is --tta of its training config as a config."""
    from mmsniper.apis import is_tta_model, tta_config
    leaf = resolve_sniper_block(Config.fromfile(path))
    train = Config.fromfile(path.replace('_pyramid-test.py', '.py'))
    assert is_tta_model(leaf.model)
    assert leaf.model.to_dict() == tta_config(train).model.to_dict()
    assert leaf.test_dataloader.dataset.pipeline == train.tta_pipeline
    assert leaf.model.tta_cfg.scales == train.sniper.scales


def test_coco_r101_recipe():
    cfg = Config.fromfile([p for p in CONFIGS
                           if 'r101_fpn_8xb16-amp-7e_coco' in p][0])
    assert cfg.sniper.scales == (3.0, 1.667, 512)
    assert cfg.sniper.valid_ranges == ((-1, 80), (32, 150), (120, -1))
    assert cfg.sniper.chip_size == 512
    assert cfg.train_dataloader.batch_size == 16
    # SNIPER's test (spec 4): its own scales and widened ranges
    assert cfg.sniper.test_scales == ((1400, 2000), (800, 1280), (480, 512))
    assert cfg.sniper.test_valid_ranges == ((-1, 90), (32, 180), (75, -1))
    assert cfg.model.backbone.depth == 101
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == (
        'SGD', 0.015, 0.9, 1e-4)
    # the schedule: warm-up 0.0005 -> 0.015 over 1000 iterations, x0.1
    # from epoch 5.33 (iteration int(5.33 * L)) to the end
    optim = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.015)
    epoch_len = 300
    warm, decay = cfg.param_scheduler
    s1 = LinearLR(optim, start_factor=warm.start_factor, by_epoch=False,
                  begin=warm.begin, end=warm.end)
    s2 = ConstantLR.build_iter_from_epoch(
        optim, factor=decay.factor, begin=decay.begin,
        epoch_length=epoch_len)
    lrs = []
    for _ in range(7 * epoch_len):
        lrs.append(optim.param_groups[0]['lr'])
        optim.step()
        s1.step()
        s2.step()
    assert lrs[0] == pytest.approx(0.0005)
    assert lrs[1000] == pytest.approx(0.015)
    switch = int(5.33 * epoch_len)
    assert lrs[switch - 1] == pytest.approx(0.015)
    assert lrs[switch] == pytest.approx(0.0015)
    assert lrs[-1] == pytest.approx(0.0015)


@pytest.mark.parametrize('name,years', [('sniper_coco_detection.py', None),
                                        ('sniper_voc0712.py', 2)])
def test_dataset_base_wraps_mmdet_training_set(name, years):
    """The SNIPER dataset bases wrap mmdet's own training set (no
    RepeatDataset, empty images kept for negative chips) in the
    SniperDataset of ../_base_/datasets/sniper_chips.py."""
    root = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_',
                    'datasets')
    cfg = Config.fromfile(osp.join(root, name))
    ds = cfg.train_dataloader.dataset
    assert (ds.type, ds.chip_workers) == ('SniperDataset', 4)
    assert cfg.train_dataloader.batch_sampler is None
    inner = ds.dataset.datasets if years else [ds.dataset]
    assert len(inner) == (years or 1)
    for d in inner:
        assert d.type in ('CocoDataset', 'VOCDataset')
        assert 'train' in d.ann_file
        assert d.filter_cfg == dict(filter_empty_gt=False)
        assert d.pipeline == cfg.train_pipeline
    assert cfg.test_evaluator[-1] == dict(type='ProcessedPixelsMetric')
