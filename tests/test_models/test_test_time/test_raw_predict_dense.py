"""raw_dense_detections: per-class candidates of one-stage detectors
(RetinaNet, ATSS of the synthetic SNIPER configs) without their NMS, and the
SNIPER pyramid on them through raw_detections' dispatch (not the fallback
to predict)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.config import Config, ConfigDict

from mmsniper.models.test_time import SniperMultiScaleTTA
from mmsniper.models.test_time.raw_predict import (raw_detections,
                                                   supports_raw)
from mmsniper.models.test_time.raw_predict_dense import (
    raw_dense_detections, supports_raw_dense)

pytestmark = pytest.mark.usefixtures('single_thread')

DETECTORS = ('retinanet', 'atss')


def _cfg(repo_root, name):
    return Config.fromfile(
        osp.join(repo_root, 'configs', 'sniper',
                 f'sniper_{name}_r18-w16_fpn_1xb8-4e_synthetic.py')).model


@pytest.fixture(scope='module', params=DETECTORS)
def detector(request, repo_root):
    torch.manual_seed(0)
    det = MODELS.build(_cfg(repo_root, request.param))
    det.init_weights()
    return det.eval()


def _batch(det, h=128, w=160):
    rng = np.random.default_rng(0)
    inputs = [torch.from_numpy(rng.integers(0, 256, (3, h, w), np.uint8))]
    samples = [DetDataSample(metainfo=dict(img_shape=(h, w),
                                           ori_shape=(h, w),
                                           scale_factor=(1., 1.)))]
    d = det.data_preprocessor(dict(inputs=inputs, data_samples=samples),
                              False)
    return d['inputs'], d['data_samples']


def _no_predict(*args, **kwargs):
    raise AssertionError('the fallback to predict() ran')


def test_candidates_without_nms(detector):
    assert supports_raw_dense(detector) and not supports_raw(detector)
    inputs, samples = _batch(detector)
    with torch.no_grad():
        boxes, scores, labels = raw_dense_detections(detector, inputs,
                                                     samples)[0]
        # the same head with its NMS at the same floor
        head = detector.bbox_head
        cfg = ConfigDict(head.test_cfg, score_thr=1e-3)
        nms = head.predict_by_feat(
            *head(detector.extract_feat(inputs)),
            batch_img_metas=[s.metainfo for s in samples], cfg=cfg,
            rescale=False)[0]
    assert 0 < len(nms) < len(scores)
    assert (scores > 1e-3).all()
    assert boxes.shape == (len(scores), 4)
    assert ((labels >= 0) & (labels < 5)).all()
    # the best candidate survives NMS
    assert scores.max().item() == pytest.approx(nms.scores.max().item(),
                                                rel=1e-5)
    assert (boxes[:, 0::2] >= 0).all() and (boxes[:, 0::2] <= 160).all()
    assert (boxes[:, 1::2] >= 0).all() and (boxes[:, 1::2] <= 128).all()


def test_budget_is_the_top_k_of_the_candidates(detector):
    inputs, samples = _batch(detector)
    with torch.no_grad():
        _, full, _ = raw_dense_detections(detector, inputs, samples)[0]
        _, top, _ = raw_dense_detections(detector, inputs, samples,
                                         det_max=40)[0]
        _, floor, _ = raw_dense_detections(detector, inputs, samples,
                                           score_floor=0.5)[0]
    assert len(full) > 40 and len(top) == 40
    torch.testing.assert_close(top, full.topk(40).values)
    assert len(floor) < len(full) and (floor > 0.5).all()
    # a budget over the head's per-level pre-selection raises it
    nms_pre = detector.bbox_head.test_cfg.nms_pre
    with torch.no_grad():
        _, big, _ = raw_dense_detections(detector, inputs, samples,
                                         det_max=5 * nms_pre)[0]
    assert len(big) > len(full)


def test_dispatch_uses_the_dense_path(detector, monkeypatch):
    inputs, samples = _batch(detector)
    monkeypatch.setattr(detector, 'predict', _no_predict)
    dets, maps = raw_detections(detector, inputs, samples, det_max=30)
    assert maps is None
    with torch.no_grad():
        ref = raw_dense_detections(detector, inputs, samples, det_max=30)
    torch.testing.assert_close(dets[0][1], ref[0][1])


@pytest.mark.parametrize('name', DETECTORS)
def test_pyramid_on_a_one_stage_detector(name, repo_root, data,
                                         monkeypatch):
    torch.manual_seed(0)
    model = SniperMultiScaleTTA(
        module=_cfg(repo_root, name),
        tta_cfg=dict(scales=[2.0, 1.0, 64], valid_ranges=None)).eval()
    monkeypatch.setattr(model.module, 'predict', _no_predict)
    s = model.test_step(data(120, 200))[0]
    assert s.pixels_per_scale == [240 * 400, 120 * 200, 38 * 64]
    b = s.pred_instances.bboxes
    assert 0 < len(b) <= 200 and b.shape[1] == 4
    # merged into the original image's frame
    assert (b[:, 0::2] >= -1e-3).all() and (b[:, 0::2] <= 200 + 1e-3).all()
    assert (b[:, 1::2] >= -1e-3).all() and (b[:, 1::2] <= 120 + 1e-3).all()
    sc = s.pred_instances.scores
    assert (sc[:-1] >= sc[1:]).all() and (sc > 1e-3).all()
