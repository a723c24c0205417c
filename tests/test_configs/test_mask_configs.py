"""The Mask R-CNN SNIPER / AutoFocus configs: each builds (the mask branch
merged into the Faster R-CNN recipe it inherits, polygons loaded, bbox +
segm evaluation); the CPU AutoFocus one trains one iteration on the tiny
preset (mask and FocusPixel losses) and its weights test end to end
through the pyramid and AutoFocus leaf configs with segm results in
mmdet's CocoMetric and segmentations in the COCO json."""
import json
import os
import os.path as osp
import runpy

import pycocotools.mask as mask_util
import pytest
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.apis import tta_config
from mmsniper.engine import resolve_sniper_block

ROOT = osp.join(osp.dirname(__file__), '..', '..')
SYNTH = {
    'sniper': 'configs/sniper/sniper_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic',
    'autofocus':
    'configs/autofocus/autofocus_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic',
}
COCO = [
    'configs/sniper/sniper_mask-rcnn_r101_fpn_8xb10-amp-7e_coco.py',
    'configs/autofocus/autofocus_mask-rcnn_r101_fpn_8xb10-amp-7e_coco.py',
]
LEAVES = [SYNTH['sniper'] + '_pyramid-test.py',
          SYNTH['autofocus'] + '_pyramid-test.py',
          SYNTH['autofocus'] + '_autofocus-test.py']


def _load(path: str) -> Config:
    return resolve_sniper_block(Config.fromfile(osp.join(ROOT, path)))


@pytest.mark.parametrize(
    'path', [p + '.py' for p in SYNTH.values()] + COCO, ids=osp.basename)
def test_mask_config_builds(path):
    cfg = _load(path)
    focus = 'autofocus' in osp.basename(path)
    assert cfg.model.type == ('FocusMaskRCNN' if focus else 'MaskRCNN')
    coco = '_coco' in path
    head = cfg.model.roi_head.mask_head
    assert head.num_classes == (80 if coco else 5)
    assert head.in_channels == cfg.model.neck.out_channels
    assert cfg.model.train_cfg.rcnn.mask_size == 28
    # the Faster R-CNN recipe is inherited, not restated
    base = Config.fromfile(osp.join(ROOT, path.replace('mask-rcnn',
                                                       'faster-rcnn').replace(
                                                           '8xb10', '8xb16')))
    assert cfg.model.rpn_head == base.model.rpn_head
    assert cfg.model.roi_head.bbox_head == base.model.roi_head.bbox_head
    pipe = cfg.train_dataloader.dataset.dataset.pipeline
    load = [t for t in pipe if t.type == 'LoadAnnotations'][0]
    assert load.with_mask and not load.poly2mask
    assert [t.type for t in pipe] == [
        t.type for t in base.train_dataloader.dataset.dataset.pipeline]
    assert cfg.train_dataloader.batch_size == (10 if coco else 8)
    assert cfg.val_evaluator.metric == ['bbox', 'segm']
    assert cfg.test_evaluator[0].metric == ['bbox', 'segm']
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    assert model.with_mask
    if not coco:
        wrapper = MODELS.build(tta_config(cfg).model)
        assert wrapper.with_mask and wrapper.mask_thr == 0.5


@pytest.mark.parametrize('path', LEAVES, ids=osp.basename)
def test_mask_leaf_configs(path):
    cfg = _load(path)
    train = Config.fromfile(osp.join(ROOT, path.replace(
        '_autofocus-test.py', '.py').replace('_pyramid-test.py', '.py')))
    assert cfg.model.module == train.model
    assert cfg.test_dataloader.dataset.pipeline == train.tta_pipeline
    init_default_scope('mmdet')
    assert MODELS.build(cfg.model).with_mask


def _data_opts(root: str) -> list:
    return [
        f'train_dataloader.dataset.dataset.data_root={root}/',
        f'test_dataloader.dataset.data_root={root}/',
        f'test_evaluator.0.ann_file={root}/annotations/instances_test.json',
        'test_dataloader.dataset.indices=1',
    ]


def test_train_one_iteration_then_pyramid_and_autofocus(
        tiny_synthetic_root, tmp_path):
    run_train = runpy.run_path(osp.join(ROOT, 'tools', 'train.py'))['main']
    run_test = runpy.run_path(osp.join(ROOT, 'tools', 'test.py'))['main']
    cfg = osp.join(ROOT, SYNTH['autofocus'] + '.py')
    work = str(tmp_path / 'train')
    opts = _data_opts(tiny_synthetic_root)
    run_train([
        cfg, '--work-dir', work, '--cfg-options', 'train_dataloader.'
        'batch_size=2', 'train_dataloader.dataset.epoch_length=2',
        'train_cfg.max_epochs=1', 'val_dataloader=None', 'val_cfg=None',
        'val_evaluator=None', 'default_hooks.logger.interval=1'
    ] + opts)
    logs = [osp.join(r, f) for r, _, fs in os.walk(work)
            for f in fs if f.endswith('.log')]
    with open(logs[0]) as f:
        text = f.read()
    assert 'loss_mask' in text and 'loss_focus' in text
    ckpt = osp.join(work, 'epoch_1.pth')
    # small scales and budgets: the test is about the plumbing
    small = dict(
        pyramid=['sniper.scales=(0.5,0.25,128)',
                 'sniper.test_valid_ranges=((-1,64),(40,160),(120,-1))'],
        autofocus=['model.autofocus_cfg.scales=(128,0.25,0.5)'])
    budgets = ['sniper.test_rpn_budget.max=200',
               'sniper.test_det_budget.max=100']
    for kind in ('pyramid', 'autofocus'):
        leaf = f'_{kind}-test.py'
        out = str(tmp_path / f'dets{leaf}.json')
        metrics = run_test([
            osp.join(ROOT, SYNTH['autofocus'] + leaf), ckpt, '--work-dir',
            str(tmp_path / leaf), '--out', out, '--cfg-options'
        ] + opts + small[kind] + budgets)
        assert 0. <= metrics['coco/segm_mAP_50'] <= 1.
        assert metrics['pixels/mpix_per_img'] > 0
        with open(out) as f:
            dets = json.load(f)
        assert dets and all('segmentation' in d for d in dets)
        with open(osp.join(tiny_synthetic_root,
                           'annotations/instances_test.json')) as f:
            img = json.load(f)['images'][0]
        rle = dets[0]['segmentation']
        assert rle['size'] == [img['height'], img['width']]
        # the mask lies in its box (x, y, w, h)
        x, y, w, h = dets[0]['bbox']
        bx, by, bw, bh = mask_util.toBbox(rle)
        if mask_util.area(rle) > 0:
            assert bx >= x - 1 and by >= y - 1
            assert bx + bw <= x + w + 1 and by + bh <= y + h + 1
