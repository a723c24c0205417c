"""FocusRetinaNet / FocusATSS: loss_focus from every box of the chip next
to the dense head's losses (which keep SNIPER's ignore rule), predict with
the stride-16 map (P4, in_index=1 of the P3-P7 FPN), the level check, the
single-scale note and FocusPixel-head-only training."""
import logging
import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.models.detectors import focus_head_mixin
from mmsniper.testing import focus_sample

pytestmark = pytest.mark.usefixtures('single_thread')

AF = 'configs/autofocus/autofocus_{}_r18-w16_fpn_1xb8-4e_synthetic.py'


def _cfg(repo_root, name='retinanet'):
    init_default_scope('mmdet')
    return Config.fromfile(osp.join(repo_root, AF.format(name))).model


def _build(cfg):
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model.eval()


@pytest.fixture(scope='module')
def retina(repo_root):
    return _build(_cfg(repo_root))


def _samples(img_shape=(64, 64)):
    """Chip 0: a valid 26 px box and an ignored 20 px one (both
    FocusPixels); chip 1: only an ignored 60 x 20 px box (sqrt 34.6: don't
    care with the synthetic thresholds 2.5 / 32 / 45)."""
    samples = [focus_sample([[4, 4, 30, 30]], [[40, 40, 60, 60]], img_shape),
               focus_sample([], [[0, 0, 60, 20]], img_shape)]
    for s in samples:
        s.set_metainfo(dict(batch_input_shape=(64, 64), pad_shape=(64, 64),
                            scale_factor=(1., 1.), ori_shape=img_shape))
    return samples


#: the labels of _samples on the 4 x 4 stride-16 grid of a 64 px chip
LABELS = torch.tensor([[[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 1],
                        [0, 0, 1, 1]],
                       [[-1, -1, -1, -1], [-1, -1, -1, -1],
                        [-1, -1, -1, -1], [0, 0, 0, 0]]])


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


def test_predict_map_on_p4(retina, monkeypatch):
    logged = []
    monkeypatch.setattr(focus_head_mixin, '_state',
                        dict(noted=False, wrapped=0))
    monkeypatch.setattr(
        focus_head_mixin, 'print_log',
        lambda msg, logger=None, level=None: logged.append((msg, level)))
    inputs = torch.rand(2, 3, 64, 64) * 255
    with torch.no_grad():
        out = retina.predict(inputs, _samples((60, 40)))
        logits = retina.focus_head(retina.extract_feat(inputs)[1])
        prob = logits['seg_preds'].softmax(1)[:, 1]
        retina.predict(inputs, _samples((60, 40)))
        plain = retina.predict(inputs, _samples(), with_focus=False)
    fmap = out[0].pred_focus_map
    # ceil(60 / 16) x ceil(40 / 16) cells of the image content
    assert fmap.prob.shape == (1, 4, 3) and fmap.stride == 16
    torch.testing.assert_close(fmap.prob[0], prob[0, :4, :3])
    assert out[0].pred_instances.bboxes.shape[1] == 4
    assert 'pred_focus_map' not in plain[0]
    assert len(logged) == 1 and logged[0][1] == logging.WARNING
    assert logged[0][0].startswith('FocusRetinaNet.predict runs the '
                                   'detector at a single scale')


def test_level_must_match_stride(repo_root):
    cfg = _cfg(repo_root)
    cfg.focus_head.in_index = 2  # the two-stage P2-P6 index: P5 here
    with pytest.raises(ValueError, match=r'in_index=2 is stride 32 .*'
                       r'\[8, 16, 32, 64, 128\].*use in_index=1'):
        MODELS.build(cfg)


def test_focus_head_only(repo_root):
    cfg = _cfg(repo_root)
    cfg.train_cfg.focus_head_only = True
    model = MODELS.build(cfg).train()
    assert not model.backbone.training and model.focus_head.training
    assert {n.split('.')[0] for n, p in model.named_parameters()
            if p.requires_grad} == {'focus_head'}
    losses = model.loss(torch.rand(2, 3, 64, 64) * 255, _samples())
    assert set(losses) == {'loss_focus'}


def test_focus_atss(repo_root):
    model = _build(_cfg(repo_root, 'atss'))
    assert type(model).__name__ == 'FocusATSS'
    assert type(model.bbox_head.assigner).__name__ == 'SniperATSSAssigner'
    inputs = torch.rand(2, 3, 64, 64) * 255
    with torch.no_grad():
        losses = model.loss(inputs, _samples())
        x = model.extract_feat(inputs)
        ref = F.cross_entropy(model.focus_head(x[1])['seg_preds'], LABELS,
                              ignore_index=-1)
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_centerness',
                           'loss_focus'}
    torch.testing.assert_close(losses['loss_focus'], ref)
