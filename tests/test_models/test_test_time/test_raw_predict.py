"""raw_detections: per-input candidates without the detector's NMS."""
import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample

from mmsniper.models.test_time.raw_predict import (raw_detections,
                                                   supports_raw)

pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def detector(plain_cfg):
    torch.manual_seed(0)
    det = MODELS.build(plain_cfg)
    det.init_weights()
    return det.eval()


def _batch(det, h=128, w=160, n=1):
    rng = np.random.default_rng(0)
    inputs = [torch.from_numpy(rng.integers(0, 256, (3, h, w), np.uint8))
              for _ in range(n)]
    samples = [DetDataSample(metainfo=dict(img_shape=(h, w),
                                           ori_shape=(h, w),
                                           scale_factor=(1., 1.)))
               for _ in range(n)]
    d = det.data_preprocessor(dict(inputs=inputs, data_samples=samples),
                              False)
    return d['inputs'], d['data_samples']


def test_no_per_input_nms(detector):
    assert supports_raw(detector)
    inputs, samples = _batch(detector)
    (boxes, scores, labels), = raw_detections(detector, inputs, samples)[0]
    with torch.no_grad():
        pred = detector.predict(inputs, samples, rescale=False)[0]
    nms_out = pred.pred_instances
    num_classes = detector.roi_head.bbox_head.num_classes
    # predict: per-class NMS and max_per_img=50 of the test_cfg; raw: every
    # (proposal, class) above 1e-3, 50 proposals x 5 classes at most
    assert len(nms_out) <= 50
    assert len(scores) > len(nms_out)
    assert len(scores) <= 50 * num_classes
    assert (scores > 1e-3).all()
    assert boxes.shape == (len(scores), 4)
    assert ((labels >= 0) & (labels < num_classes)).all()
    # the same boxes before NMS: the best score is the same
    assert scores.max().item() == pytest.approx(
        nms_out.scores.max().item(), rel=1e-5)
    # inside the input
    assert (boxes[:, 0::2] >= 0).all() and (boxes[:, 0::2] <= 160).all()
    assert (boxes[:, 1::2] >= 0).all() and (boxes[:, 1::2] <= 128).all()


def test_floor_and_budgets(detector):
    inputs, samples = _batch(detector, n=2)
    full = raw_detections(detector, inputs, samples)[0]
    capped = raw_detections(detector, inputs, samples, det_max=7)[0]
    for (b, s, lab), (fb, fs, fl) in zip(capped, full):
        assert len(s) == 7
        # the 7 best of the uncapped candidates
        assert torch.allclose(s, fs.sort(descending=True).values[:7])
    floor = 0.9 * min(d[1].max().item() for d in full)
    high = raw_detections(detector, inputs, samples, score_floor=floor)[0]
    for (b, s, lab), (fb, fs, fl) in zip(high, full):
        assert (s > floor).all() and len(s) == int((fs > floor).sum())
    few = raw_detections(detector, inputs, samples, rpn_max=3)[0]
    num_classes = detector.roi_head.bbox_head.num_classes
    assert all(len(d[1]) <= 3 * num_classes for d in few)
    # the detector's own test_cfg is untouched
    assert detector.rpn_head.test_cfg.max_per_img == 50


def test_focus_maps(focus_cfg):
    torch.manual_seed(0)
    det = MODELS.build(focus_cfg).eval()
    inputs, samples = _batch(det, h=100, w=150)
    dets, maps = raw_detections(det, inputs, samples, with_focus=True)
    assert len(dets) == 1 and maps[0].shape == (7, 10)  # ceil(/16)
    assert ((maps[0] >= 0) & (maps[0] <= 1)).all()
    assert raw_detections(det, inputs, samples)[1] is None
