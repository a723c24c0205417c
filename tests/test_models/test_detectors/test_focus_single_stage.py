"""FocusSingleStageMixin (through FocusRetinaNet): loss_focus from every
box of the chip next to the dense head's losses, which keep SNIPER's
ignore rule."""
import pytest
import torch
import torch.nn.functional as F

import mmsniper  # noqa: F401
from mmsniper.testing.focus_detectors import ONE_STAGE_FOCUS_LABELS as LABELS
from mmsniper.testing.focus_detectors import \
    one_stage_focus_samples as _samples

pytestmark = pytest.mark.usefixtures('single_thread')


def test_loss_focus_from_all_boxes(retina, monkeypatch):
    inputs = torch.rand(2, 3, 64, 64) * 255
    samples = _samples()
    # the dense head's assigner still gets the invalid boxes to ignore
    seen = []
    assign = retina.bbox_head.assigner.assign

    def spy(pred, gt, gt_ignore=None, **kw):
        seen.append(gt_ignore.bboxes.tolist())
        return assign(pred, gt, gt_ignore, **kw)

    monkeypatch.setattr(retina.bbox_head.assigner, 'assign', spy)
    with torch.no_grad():
        losses = retina.loss(inputs, samples)
        x = retina.extract_feat(inputs)
        head = retina.focus_head
        assert head.in_index == 1 and x[1].shape[-2:] == (4, 4)  # P4
        labels = head.get_targets([head.chip_boxes(s) for s in samples],
                                  (4, 4))
        ref = F.cross_entropy(head(x[1])['seg_preds'], LABELS,
                              ignore_index=-1)
        dense = retina.bbox_head.loss(x, samples)
    assert seen[:2] == [[[40., 40., 60., 60.]], [[0., 0., 60., 20.]]]
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_focus'}
    assert torch.equal(labels, LABELS)
    torch.testing.assert_close(losses['loss_focus'], ref)
    # the dense head's losses are RetinaNet's own, on the same samples
    for key in ('loss_cls', 'loss_bbox'):
        torch.testing.assert_close(sum(losses[key]), sum(dense[key]))
