"""The one-stage SNIPER configs (RetinaNet, ATSS): each builds with
SNIPER's ignore rule in its assigner, the synthetic ones with the synthetic
Faster R-CNN's backbone, neck, chips and schedule, the COCO ones with the
COCO Faster R-CNN's (inherited, not restated); each CPU config trains one
iteration on the tiny preset and its weights test end to end through its
pyramid leaf config (raw dense candidates, mmdet's CocoMetric)."""
import os
import os.path as osp
import runpy

import pytest
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.apis import is_tta_model
from mmsniper.engine import resolve_sniper_block

ROOT = osp.join(osp.dirname(__file__), '..', '..')
SYNTH = 'configs/sniper/sniper_{}_r18-w16_fpn_1xb8-4e_synthetic'
COCO = 'configs/sniper/sniper_{}_r101_fpn_8xb16-amp-7e_coco.py'
TYPES = dict(retinanet=('RetinaNet', 'SniperMaxIoUAssigner'),
             atss=('ATSS', 'SniperATSSAssigner'))
#: keys that a one-stage config shares with its Faster R-CNN twin
SHARED = ('sniper', 'rpn_config', 'train_dataloader', 'test_dataloader',
          'test_evaluator', 'train_cfg', 'optim_wrapper', 'param_scheduler',
          'custom_hooks', 'tta_model', 'tta_pipeline', 'runner_type')


def _load(path: str) -> Config:
    return resolve_sniper_block(Config.fromfile(osp.join(ROOT, path)))


@pytest.mark.parametrize('name', list(TYPES))
@pytest.mark.parametrize('dataset', ['synthetic', 'coco'])
def test_config_builds(name, dataset):
    path = (SYNTH.format(name) + '.py' if dataset == 'synthetic' else
            COCO.format(name))
    cfg = _load(path)
    twin = _load(path.replace(name, 'faster-rcnn'))
    model_type, assigner = TYPES[name]
    assert cfg.model.type == model_type
    a = cfg.model.train_cfg.assigner
    assert (a.type, a.ignore_thr, a.ignore_mode) == (assigner, 0.3, 'iou')
    for key in SHARED:
        assert cfg[key] == twin[key], key
    assert cfg.model.backbone == twin.model.backbone
    for key in ('in_channels', 'out_channels'):
        assert cfg.model.neck[key] == twin.model.neck[key]
    head = cfg.model.bbox_head
    assert head.num_classes == twin.model.roi_head.bbox_head.num_classes
    assert head.in_channels == cfg.model.neck.out_channels
    if dataset == 'synthetic':
        leaf = _load(SYNTH.format(name) + '_pyramid-test.py')
        assert is_tta_model(leaf.model)
        assert leaf.model.module == cfg.model
        assert leaf.test_dataloader.dataset.pipeline == cfg.tta_pipeline
    init_default_scope('mmdet')
    if dataset == 'coco':
        cfg.model.backbone.init_cfg = None  # no download
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == model_type
    assert type(model.bbox_head.assigner).__name__ == assigner
    if dataset == 'synthetic':  # (build mutates the head configs)
        assert type(MODELS.build(leaf.model).module).__name__ == model_type


@pytest.mark.parametrize('name', list(TYPES))
def test_train_one_iteration_then_pyramid(name, tiny_synthetic_root,
                                          tmp_path):
    run_train = runpy.run_path(osp.join(ROOT, 'tools', 'train.py'))['main']
    run_test = runpy.run_path(osp.join(ROOT, 'tools', 'test.py'))['main']
    root = tiny_synthetic_root
    data = [
        f'train_dataloader.dataset.dataset.data_root={root}/',
        f'test_dataloader.dataset.data_root={root}/',
        f'test_evaluator.0.ann_file={root}/annotations/instances_test.json',
        'test_dataloader.dataset.indices=1'
    ]
    work = str(tmp_path / 'train')
    run_train([
        osp.join(ROOT, SYNTH.format(name) + '.py'), '--work-dir', work,
        '--cfg-options', 'train_dataloader.batch_size=2',
        'train_dataloader.dataset.epoch_length=2', 'train_cfg.max_epochs=1',
        'val_dataloader=None', 'val_cfg=None', 'val_evaluator=None',
        'default_hooks.logger.interval=1'
    ] + data)
    logs = [osp.join(r, f) for r, _, fs in os.walk(work) for f in fs
            if f.endswith('.log')]
    with open(logs[0]) as f:
        text = f.read()
    losses = ['loss_cls', 'loss_bbox'] + (['loss_centerness']
                                          if name == 'atss' else [])
    for loss in losses:
        assert f'{loss}: ' in text, loss
    # small scales: the test is about the plumbing
    metrics = run_test([
        osp.join(ROOT, SYNTH.format(name) + '_pyramid-test.py'),
        osp.join(work, 'epoch_1.pth'), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options',
        'sniper.scales=(0.5,0.25,128)', 'sniper.test_det_budget.max=100'
    ] + data)
    assert 0. <= metrics['coco/bbox_mAP'] <= 1.
    assert metrics['pixels/mpix_per_img'] > 0
    with open([osp.join(r, f) for r, _, fs in os.walk(str(tmp_path / 'test'))
               for f in fs if f.endswith('.log')][0]) as f:
        assert 'has no raw per-class output' not in f.read()
