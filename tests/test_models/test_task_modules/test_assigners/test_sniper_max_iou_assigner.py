"""Ignored (invalid) boxes are really ignored, by SNIPER's IoU rule: no anchor
or RoI with IoU above the threshold to one gets a label, neither foreground
nor background, through the whole data path (SnipChipCrop -> PackDetInputs ->
DetDataPreprocessor's box conversion -> unpack_gt_instances -> assigner);
the other priors on it are assigned as usual."""
import pytest
import torch
from mmdet.registry import MODELS, TASK_UTILS
from mmdet.structures.bbox import bbox_overlaps
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import mmsniper  # noqa: F401
from mmsniper.testing import chip_gt

init_default_scope('mmdet')

VALID = [40., 40., 100., 100.]
INVALID = [150., 140., 230., 230.]


def _chip_sample(valid_inds):
    """A 256 x 256 chip (factor 1) with one valid and one invalid box."""
    return chip_gt([VALID, INVALID], valid_inds)


def _rpn_head(assigner_type, **ignore):
    """RPN head with the SNIPER thresholds; ``ignore`` are the assigner's
    ignore arguments (``ignore_thr``/``ignore_mode`` for ours, mmdet's
    ``ignore_iof_thr`` for ``MaxIoUAssigner``)."""
    if not ignore:
        ignore = (dict(ignore_thr=0.3) if assigner_type ==
                  'SniperMaxIoUAssigner' else dict(ignore_iof_thr=0.3))
    train_cfg = ConfigDict(
        assigner=dict(
            type=assigner_type,
            pos_iou_thr=0.5,
            neg_iou_thr=0.4,
            min_pos_iou=0.3,
            **ignore),
        # sample every anchor: any background label would show up
        sampler=dict(
            type='RandomSampler', num=100000, pos_fraction=1.0,
            neg_pos_ub=-1, add_gt_as_proposals=False),
        allowed_border=-1,
        pos_weight=-1,
        debug=False)
    return MODELS.build(
        dict(
            type='RPNHead',
            in_channels=1,
            feat_channels=1,
            anchor_generator=dict(
                type='AnchorGenerator',
                scales=[4],
                ratios=[0.5, 1.0, 2.0],
                strides=[4, 8, 16, 32, 64]),
            train_cfg=train_cfg))


def _anchor_targets(head, gt, gt_ignore, metas):
    sizes = [(256 // s, 256 // s) for s in (4, 8, 16, 32, 64)]
    anchors, valid = head.get_anchors(sizes, metas, device='cpu')
    targets = head.get_targets(anchors, valid, gt, metas, gt_ignore)
    labels = torch.cat([t.reshape(-1) for t in targets[0]])
    weights = torch.cat([t.reshape(-1) for t in targets[1]])
    flat = torch.cat(anchors[0])
    return flat, labels, weights


def _overlap(boxes, region, mode='iou'):
    return bbox_overlaps(boxes, torch.tensor([region]), mode=mode)[:, 0]


def test_chip_with_a_valid_and_an_invalid_box():
    gt, gt_ignore, metas = _chip_sample(valid_inds=[0])
    assert len(gt[0]) == 1 and len(gt_ignore[0]) == 1
    anchors, labels, weights = _anchor_targets(
        _rpn_head('SniperMaxIoUAssigner'), gt, gt_ignore, metas)
    on_invalid = _overlap(anchors, INVALID) > 0.3
    assert on_invalid.sum() >= 20
    # no label at all on the invalid box: weight 0 (neither bg nor fg)
    assert (weights[on_invalid] == 0).all()
    # ... while the valid box has positives and the rest negatives
    pos = (labels == 0) & (weights > 0)
    neg = (labels == 1) & (weights > 0)
    assert pos.sum() > 0 and neg.sum() > 100
    assert (_overlap(anchors[pos], VALID) >= 0.3).all()
    assert not neg[on_invalid].any()
    # small anchors inside the invalid box (IoF 1, IoU <= 0.3) are
    # background: the rule is SNIPER's IoU, not mmdet's IoF
    inside = (_overlap(anchors, INVALID, 'iof') > 0.99) & ~on_invalid
    assert inside.sum() > 100 and neg[inside].all()
    # control: the IoF rule (mmdet's, or ours with ignore_mode='iof')
    # ignores those too
    for head in (_rpn_head('MaxIoUAssigner'),
                 _rpn_head('SniperMaxIoUAssigner', ignore_thr=0.3,
                           ignore_mode='iof')):
        _, _, w_iof = _anchor_targets(head, gt, gt_ignore, metas)
        assert (w_iof[on_invalid | inside] == 0).all()
    # control: without the ignore rule the IoU > 0.3 anchors are negatives
    _, labels_c, w_c = _anchor_targets(
        _rpn_head('SniperMaxIoUAssigner', ignore_thr=-1), gt, gt_ignore,
        metas)
    assert ((labels_c == 1) & (w_c > 0))[on_invalid].all()


def test_chip_without_valid_box_ignores_too():
    """Negative chips: mmdet's MaxIoUAssigner returns early when there is no
    valid GT and labels the invalid box background; ours does not."""
    gt, gt_ignore, metas = _chip_sample(valid_inds=[])
    assert len(gt[0]) == 0 and len(gt_ignore[0]) == 2
    anchors, labels, weights = _anchor_targets(
        _rpn_head('SniperMaxIoUAssigner'), gt, gt_ignore, metas)
    on_invalid = ((_overlap(anchors, INVALID) > 0.3) |
                  (_overlap(anchors, VALID) > 0.3))
    assert on_invalid.sum() >= 40
    assert (weights[on_invalid] == 0).all()
    assert ((labels == 1) & (weights > 0))[~on_invalid].all()
    _, labels_m, w_m = _anchor_targets(
        _rpn_head('MaxIoUAssigner'), gt, gt_ignore, metas)
    assert (w_m[on_invalid] > 0).all()  # the mmdet behaviour we fix


@pytest.mark.parametrize('valid_inds', [[0], []])
def test_rcnn_proposals_on_invalid_boxes_are_never_sampled(valid_inds):
    """The RoI head's rule of the shipped configs: RoIs with IoU > 0.5 to an
    invalid box (the original's positives of it) get no label; smaller
    parts of it are background."""
    gt, gt_ignore, _ = _chip_sample(valid_inds=valid_inds)
    assigner = TASK_UTILS.build(
        dict(type='SniperMaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.5,
             min_pos_iou=0.5, match_low_quality=False, ignore_thr=0.5))
    sampler = TASK_UTILS.build(
        dict(type='RandomSampler', num=1000, pos_fraction=0.25,
             neg_pos_ub=-1, add_gt_as_proposals=True))
    props = torch.tensor([
        [150, 140, 230, 230],  # = invalid box
        [160, 150, 220, 220],  # inside it, IoU 0.58
        [40, 40, 100, 100],  # = valid box (or ignored when none valid)
        [0, 0, 30, 30],  # background
        [120, 0, 250, 60],  # background
        [150, 140, 190, 180],  # a quarter of the invalid box, IoU 0.22
    ], dtype=torch.float32)
    ious = bbox_overlaps(props, torch.tensor([INVALID]))[:, 0]
    assert ious[1] > 0.5 and ious[5] < 0.3
    pred = InstanceData(priors=props, bboxes=props)
    result = assigner.assign(pred, gt[0], gt_ignore[0])
    expected = [-1, -1, 1 if valid_inds else -1, 0, 0, 0]
    assert result.gt_inds.tolist() == expected
    sampling = sampler.sample(result, pred, gt[0])
    sampled = set(sampling.pos_inds.tolist()) | set(
        sampling.neg_inds.tolist())
    assert not sampled & {0 + len(gt[0]), 1 + len(gt[0])}
    assert 5 + len(gt[0]) in sampling.neg_inds.tolist()


def test_assigner_config_of_the_sniper_configs(repo_root):
    from mmengine.config import Config
    cfg = Config.fromfile(
        f'{repo_root}/configs/sniper/'
        'sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py')
    for stage, thr in (('rpn', 0.3), ('rcnn', 0.5)):
        a = cfg.model.train_cfg[stage].assigner
        assert a.type == 'SniperMaxIoUAssigner'
        assert (a.ignore_thr, a.ignore_mode) == (thr, 'iou')
        assert 'ignore_iof_thr' not in a  # mmdet's base one is replaced
        built = TASK_UTILS.build(a)
        assert (built.ignore_thr, built.ignore_mode) == (thr, 'iou')
