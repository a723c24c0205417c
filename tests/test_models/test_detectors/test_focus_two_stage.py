"""A FocusPixel head on a two-stage detector (focus_two_stage.py):
FocusTwoStageMixin's single-scale note, its predict paths (given
proposals, ``test_cfg.with_focus``), the wrapper context and
FocusPixel-head-only training (Faster and Mask R-CNN)."""
import logging
import os
import re

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import mmsniper  # noqa: F401
from mmsniper.models.detectors import focus_head_mixin as ffr
from mmsniper.testing import focus_sample, tiny_focus_detector_cfg

pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def detector(repo_root):
    """A random-weight FocusFasterRCNN (5 classes) in eval mode."""
    init_default_scope('mmdet')
    torch.manual_seed(0)
    return MODELS.build(tiny_focus_detector_cfg(repo_root)).eval()


@pytest.fixture
def logged(monkeypatch):
    """What the mixin logs, with the once-per-process note reset."""
    out = []
    monkeypatch.setattr(ffr, '_state', dict(noted=False, wrapped=0))
    monkeypatch.setattr(
        ffr, 'print_log',
        lambda msg, logger=None, level=None: out.append((msg, level)))
    return out


def _batch(n=1):
    samples = [focus_sample([[4, 4, 30, 30]]) for _ in range(n)]
    for s in samples:
        s.set_metainfo(dict(batch_input_shape=(64, 64), pad_shape=(64, 64),
                            scale_factor=(1., 1.), ori_shape=(64, 64)))
    return torch.rand(n, 3, 64, 64) * 255, samples


def test_inside_test_time_wrapper_nests_and_restores(logged):
    with ffr.inside_test_time_wrapper():
        with ffr.inside_test_time_wrapper():
            assert ffr._state['wrapped'] == 2
        assert ffr._state['wrapped'] == 1
        ffr._note_single_scale('X')
    assert logged == [] and ffr._state['noted'] is False
    with pytest.raises(KeyError):
        with ffr.inside_test_time_wrapper():
            raise KeyError('boom')
    assert ffr._state['wrapped'] == 0


def test_single_scale_note_is_logged_once(logged):
    for name in ('FocusMaskRCNN', 'FocusFasterRCNN'):
        ffr._note_single_scale(name)
    leaf = ffr.AUTOFOCUS_TEST_LEAVES['FocusMaskRCNN']
    assert logged == [(ffr.SINGLE_SCALE_NOTE.format(name='FocusMaskRCNN',
                                                    leaf=leaf),
                       logging.WARNING)]
    msg = logged[0][0]
    assert msg.startswith('FocusMaskRCNN.predict runs the detector at a '
                          'single scale')
    assert '--tta' in msg and msg.endswith(
        'configs/autofocus/autofocus_mask-rcnn_r18-w16_fpn_1xb8-4e_'
        'synthetic_autofocus-test.py')


@pytest.mark.parametrize('name', sorted(ffr.AUTOFOCUS_TEST_LEAVES))
def test_single_scale_note_names_a_shipped_leaf_of_its_detector(
        name, logged, repo_root):
    """Each Focus detector's note names its own ``*_autofocus-test.py``
    leaf, and that leaf exists and uses the same detector type."""
    ffr._note_single_scale(name)
    msg = logged[0][0]
    path = msg[msg.index('configs/autofocus/'):]
    assert os.path.isfile(os.path.join(repo_root, path)), path
    text = open(os.path.join(repo_root, path)).read()
    base = re.search(r"_base_ = '(.*?)'", text).group(1)
    parent = open(os.path.join(repo_root, 'configs', 'autofocus', base)).read()
    assert f"type='{name}'" in parent, (path, base)


def test_predict_warns_once_outside_a_wrapper(detector, logged):
    """FocusFasterRCNN.predict outside a wrapper warns once (single scale,
    how to get AutoFocus); inside inside_test_time_wrapper (the fallback
    path of the wrappers) it does not."""
    inputs, samples = _batch()
    with torch.no_grad(), ffr.inside_test_time_wrapper():
        detector.predict(inputs, samples)
    assert logged == []
    for _ in range(2):
        with torch.no_grad():
            out = detector.predict(inputs, _batch()[1])[0]
    assert 'pred_focus_map' in out
    assert len(logged) == 1 and logged[0][1] == logging.WARNING
    msg = logged[0][0]
    assert 'single scale' in msg and '--tta' in msg
    assert '_autofocus-test.py' in msg
    assert msg.startswith('FocusFasterRCNN.predict')


def test_predict_uses_given_proposals(detector, logged):
    """One proposal per image instead of the RPN's: one box per class (5)
    with score_thr 0."""
    inputs, samples = _batch(2)
    for s in samples:
        s.proposals = InstanceData(bboxes=torch.tensor([[8., 8., 40., 40.]]),
                                   scores=torch.tensor([1.]))
    with torch.no_grad():
        out = detector.predict(inputs, samples)
    for s in out:
        assert sorted(s.pred_instances.labels.tolist()) == [0, 1, 2, 3, 4]
    with torch.no_grad():
        rpn = detector.predict(inputs, _batch(2)[1])
    assert len(rpn[0].pred_instances) > 5  # 50 proposals


def test_focus_map_and_test_cfg_with_focus(detector, logged, monkeypatch):
    inputs, samples = _batch()
    with torch.no_grad():
        out = detector.predict(inputs, samples)[0]
    focus = out.pred_focus_map
    assert tuple(focus.prob.shape) == (1, 4, 4)  # 64 / 16
    assert focus.stride == 16
    assert ((focus.prob >= 0) & (focus.prob <= 1)).all()
    monkeypatch.setitem(detector.test_cfg, 'with_focus', False)
    with torch.no_grad():
        out = detector.predict(inputs, _batch()[1])[0]
        assert 'pred_focus_map' not in out
        # the argument wins over test_cfg
        out = detector.predict(inputs, _batch()[1], with_focus=True)[0]
    assert 'pred_focus_map' in out
    assert detector.with_focus_head


@pytest.mark.parametrize('mask', [False, True], ids=['faster', 'mask'])
def test_focus_head_only_training(repo_root, mask):
    init_default_scope('mmdet')
    cfg = tiny_focus_detector_cfg(repo_root, mask=mask)
    cfg.train_cfg.focus_head_only = True
    model = MODELS.build(cfg)
    model.train()
    assert not model.backbone.training and not model.roi_head.training
    assert model.focus_head.training
    trainable = {n.split('.')[0] for n, p in model.named_parameters()
                 if p.requires_grad}
    assert trainable == {'focus_head'}
    samples = [focus_sample([[4, 4, 30, 30]])]
    samples[0].set_metainfo(dict(batch_input_shape=(64, 64)))
    losses = model.loss(torch.rand(1, 3, 64, 64), samples)
    assert set(losses) == {'loss_focus'}
    losses['loss_focus'].backward()
    assert model.backbone.conv1.weight.grad is None
    assert all(p.grad is not None for p in model.focus_head.parameters())
