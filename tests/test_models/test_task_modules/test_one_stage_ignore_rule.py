"""SNIPER's ignore rule in one-stage detectors, on hand-made geometry: a
small valid box nested in a large invalid one on a 256 x 256 chip, through
the real data path (SnipChipCrop -> PackDetInputs -> unpack_gt_instances)
into the RetinaNet and ATSS heads of the synthetic SNIPER configs (their
assigners: SniperMaxIoUAssigner, SniperATSSAssigner). Anchors with IoU > 0.3
to the invalid box get no label: label weight 0, zero focal-loss gradient,
not counted in avg_factor; the nested valid box keeps its positives; the
small anchors inside the invalid box are background."""
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_overlaps
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.testing import chip_gt

CHIP = 256
INVALID = [20., 20., 236., 236.]  # 216 px
VALID = [100., 110., 132., 142.]  # 32 px, inside it
MMDET_ASSIGNERS = dict(  # mmdet's own, no ignore rule (their default)
    retinanet=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                   min_pos_iou=0, ignore_iof_thr=-1),
    atss=dict(type='ATSSAssigner', topk=9))


def _head(repo_root, name, assigner=None):
    init_default_scope('mmdet')
    model = Config.fromfile(
        osp.join(repo_root, 'configs', 'sniper',
                 f'sniper_{name}_r18-w16_fpn_1xb8-4e_synthetic.py')).model
    train_cfg = model.train_cfg
    if assigner is not None:
        train_cfg.assigner = assigner
    return MODELS.build(dict(model.bbox_head, train_cfg=train_cfg))


def _sizes(head):
    return [(CHIP // s[1], CHIP // s[0]) for s in head.prior_generator.strides]


def _targets(head, valid_inds):
    """Anchors ``[n, 4]``, labels ``[n]`` (5 = background), label weights
    ``[n]`` and avg_factor of the chip."""
    gt, gt_ignore, metas = chip_gt([VALID, INVALID], valid_inds, CHIP)
    anchors, flags = head.get_anchors(_sizes(head), metas, device='cpu')
    flat = torch.cat(anchors[0])  # (ATSSHead.get_targets concatenates)
    t = head.get_targets(anchors, flags, gt, metas, gt_ignore)
    # RetinaHead: (labels, weights, ...); ATSSHead: (anchors, labels, ...)
    labels = torch.cat([x.reshape(-1) for x in t[-5]])
    weights = torch.cat([x.reshape(-1) for x in t[-4]])
    return flat, labels, weights, t[-1]


def _cls_grad(head, valid_inds):
    """``|d loss_cls / d logit|`` per anchor, summed over classes, at zero
    logits: zero exactly where the focal loss has no label."""
    gt, gt_ignore, metas = chip_gt([VALID, INVALID], valid_inds, CHIP)
    a, c = head.num_base_priors, head.cls_out_channels
    shapes = _sizes(head)
    cls = [torch.zeros(1, a * c, h, w, requires_grad=True) for h, w in shapes]
    reg = [torch.zeros(1, a * 4, h, w) for h, w in shapes]
    extra = ([[torch.zeros(1, a, h, w) for h, w in shapes]]
             if type(head).__name__ == 'ATSSHead' else [])
    losses = head.loss_by_feat(cls, reg, *extra, gt, metas, gt_ignore)
    sum(losses['loss_cls']).backward()
    return torch.cat([g.grad.permute(0, 2, 3, 1).reshape(-1, c).abs().sum(1)
                      for g in cls])


def _iou(anchors, box, mode='iou'):
    return bbox_overlaps(anchors, torch.tensor([box]), mode=mode)[:, 0]


@pytest.mark.parametrize('name', ['retinanet', 'atss'])
def test_nested_valid_box_keeps_its_positives(name, repo_root):
    head = _head(repo_root, name)
    anchors, labels, weights, avg_factor = _targets(head, valid_inds=[0])
    on_invalid = _iou(anchors, INVALID) > 0.3
    assert on_invalid.sum() >= 2  # ATSS: one anchor per location
    # no label on the invalid box: weight 0, no focal-loss gradient
    assert (weights[on_invalid] == 0).all()
    grad = _cls_grad(head, valid_inds=[0])
    # (the loss sees exactly the weights: RetinaNet's anchors between its
    # negative and positive IoU thresholds have none either)
    assert torch.equal(grad == 0, weights == 0)
    # the nested valid box has positives, all on it; avg_factor counts
    # them only (mmdet's SamplingResult: at least 1)
    pos = (labels == 0) & (weights > 0)
    assert pos.sum() > 0 and not pos[on_invalid].any()
    assert (_iou(anchors[pos], VALID) > 0.1).all()
    assert avg_factor == pos.sum().item()
    # the small anchors inside the invalid box are background
    inside = ((_iou(anchors, INVALID, 'iof') > 0.99) & ~on_invalid &
              ~pos & (_iou(anchors, VALID) < 0.4))
    bg = (labels == head.num_classes) & (weights > 0)
    assert inside.sum() > 100 and bg[inside].all()
    # control: mmdet's assigner makes the IoU > 0.3 anchors negatives
    _, labels_m, weights_m, _ = _targets(
        _head(repo_root, name, MMDET_ASSIGNERS[name]), valid_inds=[0])
    assert (weights_m[on_invalid] > 0).all()
    assert (labels_m[on_invalid] == head.num_classes).all()
    # ... and the same positives: the rule takes none from the nested box
    assert torch.equal(pos, (labels_m == 0) & (weights_m > 0))


@pytest.mark.parametrize('name', ['retinanet', 'atss'])
def test_chip_without_valid_box_ignores_too(name, repo_root):
    """A negative chip (both boxes invalid): mmdet's assigners return early
    and make every anchor background; ours still ignore."""
    head = _head(repo_root, name)
    anchors, labels, weights, avg_factor = _targets(head, valid_inds=[])
    on_invalid = ((_iou(anchors, INVALID) > 0.3) |
                  (_iou(anchors, VALID) > 0.3))
    assert (weights[on_invalid] == 0).all()
    assert ((labels == head.num_classes) & (weights > 0))[~on_invalid].all()
    assert (labels == head.num_classes).all()
    assert avg_factor == 1  # no positive (mmdet's SamplingResult: >= 1)
    _, _, weights_m, _ = _targets(
        _head(repo_root, name, MMDET_ASSIGNERS[name]), valid_inds=[])
    assert (weights_m[on_invalid] > 0).all()


def test_atss_iou_rule_not_iof(repo_root):
    """mmdet's IoF ignore (``ignore_iof_thr``) takes every anchor inside the
    invalid box out of ATSS's candidates: the nested valid box loses its
    positives, and what is left are coarse anchors (a level with fewer
    locations than topk gives them back) that hardly overlap it. The IoU
    rule keeps its positives, those of ATSS without any ignore rule."""
    iof = _head(repo_root, 'atss',
                dict(type='ATSSAssigner', topk=9, ignore_iof_thr=0.3))
    anchors, labels, weights, _ = _targets(iof, valid_inds=[0])
    pos_iof = (labels == 0) & (weights > 0)
    assert (_iou(anchors[pos_iof], VALID) < 0.1).all()
    _, labels, weights, _ = _targets(_head(repo_root, 'atss'), [0])
    pos = (labels == 0) & (weights > 0)
    assert pos.sum() >= 2 and (_iou(anchors[pos], VALID) > 0.3).all()
