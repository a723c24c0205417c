"""SniperATSSAssigner on hand-made priors: ignored priors (IoU > 0.3 to an
invalid box) get gt_inds -1 and are no ATSS candidates, the others are
assigned by mmdet's ATSSAssigner on the kept priors; bad arguments fail
naming the class. The heads' view (focal loss, avg_factor, nested boxes)
is in ../test_one_stage_ignore_rule.py."""
import pytest
import torch
from mmdet.models.task_modules.assigners import ATSSAssigner
from mmdet.registry import TASK_UTILS
from mmdet.structures.bbox import bbox_overlaps
from mmengine.structures import InstanceData

import mmsniper  # noqa: F401


def _grid(step, size, n):
    """``n x n`` square priors of side ``size`` on a ``step`` grid."""
    c = (torch.arange(n, dtype=torch.float32) + 0.5) * step
    cy, cx = torch.meshgrid(c, c, indexing='ij')
    cx, cy = cx.reshape(-1), cy.reshape(-1)
    return torch.stack([cx - size / 2, cy - size / 2, cx + size / 2,
                        cy + size / 2], 1)


PRIORS = torch.cat([_grid(8, 16, 16), _grid(32, 64, 4)])  # 256 + 16
LEVELS = [256, 16]
VALID = [[8., 8., 40., 40.]]
INVALID = [[64., 64., 128., 128.]]


def _assign(assigner, valid=VALID, invalid=INVALID):
    gt = InstanceData(bboxes=torch.tensor(valid).reshape(-1, 4),
                      labels=torch.zeros(len(valid), dtype=torch.long))
    ignore = InstanceData(bboxes=torch.tensor(invalid).reshape(-1, 4))
    return assigner.assign(InstanceData(priors=PRIORS), LEVELS, gt, ignore)


def _build(**kw):
    return TASK_UTILS.build(dict(type='SniperATSSAssigner', topk=9, **kw))


def test_ignored_priors_and_the_rest_as_atss():
    res = _assign(_build())
    ignored = bbox_overlaps(PRIORS, torch.tensor(INVALID))[:, 0] > 0.3
    assert ignored.sum() >= 2  # the 64 px prior on it, and neighbours
    assert (res.gt_inds[ignored] == -1).all()
    assert (res.gt_inds[~ignored] >= 0).all()
    assert (res.labels[ignored] == -1).all()
    # the kept priors: mmdet's ATSS on them alone
    kept = InstanceData(priors=PRIORS[~ignored])
    per_level = [int((~ignored[:256]).sum()), int((~ignored[256:]).sum())]
    ref = ATSSAssigner(topk=9).assign(
        kept, per_level,
        InstanceData(bboxes=torch.tensor(VALID),
                     labels=torch.zeros(1, dtype=torch.long)))
    assert torch.equal(res.gt_inds[~ignored], ref.gt_inds)
    assert (res.gt_inds == 1).sum() > 0


def test_no_valid_box_still_ignores():
    res = _assign(_build(), valid=[])
    assert res.num_gts == 0
    assert (res.gt_inds == -1).sum() >= 2
    assert set(res.gt_inds.tolist()) == {-1, 0}
    # mmdet's returns early: everything background
    plain = ATSSAssigner(topk=9, ignore_iof_thr=0.3).assign(
        InstanceData(priors=PRIORS), LEVELS,
        InstanceData(bboxes=torch.zeros(0, 4),
                     labels=torch.zeros(0, dtype=torch.long)),
        InstanceData(bboxes=torch.tensor(INVALID)))
    assert (plain.gt_inds == 0).all()


def test_rule_off_is_mmdet_atss():
    ref = ATSSAssigner(topk=9).assign(
        InstanceData(priors=PRIORS), LEVELS,
        InstanceData(bboxes=torch.tensor(VALID),
                     labels=torch.zeros(1, dtype=torch.long)))
    for res in (_assign(_build(ignore_thr=0)), _assign(_build(), invalid=[])):
        assert torch.equal(res.gt_inds, ref.gt_inds)


def test_every_prior_ignored():
    res = _assign(_build(ignore_thr=0.3, ignore_mode='iof'),
                  invalid=[[0., 0., 200., 200.]])
    assert (res.gt_inds == -1).all() and len(res.gt_inds) == len(PRIORS)


def test_bad_arguments_name_the_assigner():
    with pytest.raises(ValueError, match='SniperATSSAssigner: ignore_mode'):
        _build(ignore_mode='giou')
    with pytest.raises(ValueError, match='SniperATSSAssigner: num_level'):
        _build().assign(
            InstanceData(priors=PRIORS), [256, 15],
            InstanceData(bboxes=torch.tensor(VALID),
                         labels=torch.zeros(1, dtype=torch.long)))
