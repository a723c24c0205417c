"""SNIPER's ignore rule on hand-made geometry: a small valid box lying on a
large invalid one (a cup on a table at the fine scale), with the real RPN
anchors and assigners of
``configs/_base_/models/sniper_faster-rcnn_r50_fpn.py`` on a 512 x 512 chip.
The reference is the original's labelling (spec 1.6,
``anchor_worker``), written here independently with ``bbox_overlaps``."""
import os.path as osp

import pytest
import torch
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_overlaps
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import mmsniper  # noqa: F401

pytestmark = pytest.mark.usefixtures('single_thread')

CHIP = 512
TABLE = [6., 6., 506., 506.]  # 500 px invalid box
CUP = [300., 320., 330., 350.]  # 30 px valid box on it
NUM_ANCHORS = 3 * sum((CHIP // s)**2 for s in (4, 8, 16, 32, 64))  # 65472


@pytest.fixture(scope='module')
def model_cfg(repo_root):
    init_default_scope('mmdet')
    return Config.fromfile(
        osp.join(repo_root, 'configs', '_base_', 'models',
                 'sniper_faster-rcnn_r50_fpn.py')).model


@pytest.fixture(scope='module')
def anchors(model_cfg):
    gen = TASK_UTILS.build(model_cfg.rpn_head.anchor_generator)
    sizes = [(CHIP // s[1], CHIP // s[0]) for s in gen.strides]
    out = torch.cat(gen.grid_priors(sizes, device='cpu'))
    assert len(out) == NUM_ANCHORS
    return out


def _boxes(*boxes):
    return torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)


def _assign(assigner, priors, valid, invalid):
    gt = InstanceData(bboxes=_boxes(*valid),
                      labels=torch.zeros(len(valid), dtype=torch.long))
    ignore = InstanceData(bboxes=_boxes(*invalid))
    pred = InstanceData(priors=priors)
    return assigner.assign(pred, gt, ignore).gt_inds


def original_labels(priors, valid, invalid, pos=0.5, neg=0.4, ign=0.3,
                    min_best=0.3):
    """The original's RPN labels (-1 ignore, 0 bg, 1 fg), from spec 1.6.

    ``min_best`` is mmdet's ``min_pos_iou`` of the configs (the original
    labels each valid box's best anchors whatever their IoU).
    """
    labels = torch.full((len(priors), ), -1, dtype=torch.long)
    if len(valid):
        ov = bbox_overlaps(priors, _boxes(*valid))  # [n, k]
        max_ov = ov.max(dim=1).values
        labels[max_ov < neg] = 0
        best = ov.max(dim=0).values
        labels[((ov == best[None]) & (best[None] >= min_best)).any(1)] = 1
        labels[max_ov >= pos] = 1
    else:
        labels[:] = 0
    if len(invalid):
        ov_inv = bbox_overlaps(priors, _boxes(*invalid)).max(dim=1).values
        labels[ov_inv > ign] = -1
    return labels


def _labels(gt_inds):
    return torch.where(gt_inds > 0, torch.ones_like(gt_inds), gt_inds)


def test_nested_valid_box_keeps_its_positives(model_cfg, anchors):
    rpn = TASK_UTILS.build(model_cfg.train_cfg.rpn.assigner)
    assert (rpn.ignore_thr, rpn.ignore_mode) == (0.3, 'iou')
    alone = _assign(rpn, anchors, [CUP], [])
    nested = _assign(rpn, anchors, [CUP], [TABLE])
    pos_alone = int((alone > 0).sum())
    pos_nested = int((nested > 0).sum())
    ignored = int((nested == -1).sum())
    ref = original_labels(anchors, [CUP], [TABLE])
    ref_by_table = int(
        (bbox_overlaps(anchors, _boxes(TABLE))[:, 0] > 0.3).sum())
    print(f'\nnested case ({NUM_ANCHORS} anchors): positives without the '
          f'invalid box {pos_alone}, with it {pos_nested}; ignored '
          f'{ignored} (original rule: {int((ref == -1).sum())}, of which '
          f'IoU > 0.3 to the invalid box: {ref_by_table})')
    assert pos_alone >= 10
    assert pos_nested >= 0.9 * pos_alone
    assert ignored <= 2 * int((ref == -1).sum())
    # SNIPER's labels exactly: same positives, negatives and ignores
    assert torch.equal(_labels(nested), ref)
    assert int(rpn.ignored_priors(anchors, _boxes(TABLE)).sum()) == \
        ref_by_table


def test_far_anchors_inside_the_invalid_box_are_negatives(model_cfg, anchors):
    rpn = TASK_UTILS.build(model_cfg.train_cfg.rpn.assigner)
    nested = _assign(rpn, anchors, [CUP], [TABLE])
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    cup_c = torch.tensor([(CUP[0] + CUP[2]) / 2, (CUP[1] + CUP[3]) / 2])
    far = (centres - cup_c).norm(dim=1) > 100
    side = (anchors[:, 2:] - anchors[:, :2]).prod(dim=1).sqrt()
    on_table = bbox_overlaps(anchors, _boxes(TABLE), mode='iof')[:, 0] > .99
    sel = far & on_table & (side <= 128)
    assert sel.sum() > 10000
    assert (nested[sel] == 0).all()  # background, not ignored


def test_iof_mode_is_the_old_rule(model_cfg, anchors):
    """``ignore_mode='iof'`` (mmdet's ``ignore_iof_thr``) kept as an option:
    it takes every positive of the nested box and most of the chip."""
    cfg = dict(model_cfg.train_cfg.rpn.assigner, ignore_mode='iof')
    iof = TASK_UTILS.build(cfg)
    nested = _assign(iof, anchors, [CUP], [TABLE])
    print(f'\nIoF rule: positives {int((nested > 0).sum())}, ignored '
          f'{int((nested == -1).sum())}')
    assert int((nested > 0).sum()) == 0
    assert int((nested == -1).sum()) > 0.9 * NUM_ANCHORS


def test_chip_with_only_invalid_boxes(model_cfg, anchors):
    rpn = TASK_UTILS.build(model_cfg.train_cfg.rpn.assigner)
    gt_inds = _assign(rpn, anchors, [], [TABLE, CUP])
    ref = original_labels(anchors, [], [TABLE, CUP])
    assert int((ref == -1).sum()) > 100
    assert torch.equal(gt_inds, ref)  # -1 by IoU > 0.3, 0 elsewhere


def test_rcnn_assigner_on_the_nested_case(model_cfg):
    """RoIs with IoU > 0.5 to the invalid box get no label (the original
    makes them positives of it); parts of it are background."""
    rcnn = TASK_UTILS.build(model_cfg.train_cfg.rcnn.assigner)
    assert (rcnn.ignore_thr, rcnn.ignore_mode) == (0.5, 'iou')
    rois = _boxes(
        TABLE,
        [56., 56., 456., 456.],  # 400 px on it: IoU 0.64
        CUP,
        [296., 318., 334., 352.],  # around the cup
        [6., 6., 206., 206.],  # a 200 px part of the table: IoU 0.16
        [400., 60., 460., 120.],  # 60 px, far from the cup
    )
    ious = bbox_overlaps(rois, _boxes(TABLE))[:, 0]
    assert ious[1] > 0.5 and ious[4] < 0.3
    gt_inds = _assign(rcnn, rois, [CUP], [TABLE])
    assert gt_inds.tolist() == [-1, -1, 1, 1, 0, 0]
    gt_inds = _assign(rcnn, rois, [], [TABLE])
    assert gt_inds.tolist() == [-1, -1, 0, 0, 0, 0]


def test_legacy_ignore_iof_thr():
    base = dict(type='SniperMaxIoUAssigner', pos_iou_thr=0.5,
                neg_iou_thr=0.4)
    with pytest.warns(FutureWarning, match='deprecated'):
        a = TASK_UTILS.build(dict(base, ignore_iof_thr=0.3))
    assert (a.ignore_thr, a.ignore_mode) == (0.3, 'iof')
    # mmdet's "off" inherited from mmdet's base configs: no effect
    with pytest.warns(UserWarning, match='no effect'):
        a = TASK_UTILS.build(dict(base, ignore_iof_thr=-1))
    assert (a.ignore_thr, a.ignore_mode) == (0.3, 'iou')
    with pytest.warns(UserWarning, match='no effect'):
        a = TASK_UTILS.build(dict(base, ignore_iof_thr=-1, ignore_thr=0.4))
    assert a.ignore_thr == 0.4
    with pytest.raises(ValueError, match='not both'):
        TASK_UTILS.build(dict(base, ignore_iof_thr=0.3, ignore_thr=0.3))
    with pytest.raises(ValueError, match='ignore_mode'):
        TASK_UTILS.build(dict(base, ignore_mode='iog'))


def test_ignore_off_and_empty_inputs():
    a = TASK_UTILS.build(
        dict(type='SniperMaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
             ignore_thr=-1))
    priors = _boxes(TABLE, CUP)
    assert a.ignored_priors(priors, _boxes(TABLE)) is None
    assert _assign(a, priors, [], [TABLE]).tolist() == [0, 0]
    a.ignore_thr = 0.3
    assert a.ignored_priors(priors, _boxes()) is None
    assert a.ignored_priors(_boxes(), _boxes(TABLE)) is None
    assert a.ignored_priors(priors, None) is None
    assert a.ignored_priors(priors, _boxes(TABLE)).tolist() == [True, False]
