"""mmsniper.apis.sahi_adapter: the one-scale wrapper SAHI's slices run
through (the SAHI arm of tools/analysis/benchmark_inference.py)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample

import mmsniper  # noqa: F401
from mmsniper.apis.sahi_adapter import one_scale_wrapper, predict_rgb
from mmsniper.models import SniperMultiScaleTTA

pytestmark = pytest.mark.usefixtures('single_thread')

CONFIG = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501


@pytest.fixture(scope='module')
def detector(repo_root):
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    torch.manual_seed(0)
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    cfg.model.test_cfg.rpn.max_per_img = 30
    return MODELS.build(cfg.model).eval()


def _rgb(h=96, w=128, seed=0):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), np.uint8)


def test_one_scale_wrapper(detector):
    wrapper = one_scale_wrapper(detector, 64, max_per_img=7,
                                det_budget=dict(per_mpix=100, min=5, max=9))
    assert isinstance(wrapper, SniperMultiScaleTTA)
    assert wrapper.module is detector and not wrapper.training
    assert wrapper.scales == [64] and wrapper.valid_ranges == [None]
    assert wrapper.nms_cfg is None and wrapper.max_per_img == 7
    assert wrapper.det_budget is not None and wrapper.rpn_budget is None


def test_predict_rgb(detector):
    wrapper = one_scale_wrapper(detector, 64, max_per_img=20)
    rgb = _rgb()
    bboxes, scores, labels, pixels = predict_rgb(wrapper, rgb)
    # long side 128 -> 64: a 48x64 input
    assert pixels == 48 * 64
    assert bboxes.shape == (len(scores), 4) and labels.shape == scores.shape
    assert 0 < len(scores) <= 20  # random weights: scores ~1/6
    assert (np.diff(scores) <= 0).all()  # best first
    assert (bboxes[:, 0::2] >= -1e-3).all() and (bboxes[:, 0::2] <= 128 +
                                                 1e-3).all()
    assert (bboxes[:, 1::2] >= -1e-3).all() and (bboxes[:, 1::2] <= 96 +
                                                 1e-3).all()
    # the detector sees the image in BGR, as mmdet's loading gives it
    bgr = torch.from_numpy(np.ascontiguousarray(rgb[..., ::-1])).permute(
        2, 0, 1)
    with torch.no_grad():
        ref = wrapper.predict_images(
            [bgr], [DetDataSample(metainfo=dict(ori_shape=(96, 128),
                                                img_shape=(96, 128)))])[0]
    np.testing.assert_allclose(bboxes, ref.pred_instances.bboxes.numpy())
    np.testing.assert_allclose(scores, ref.pred_instances.scores.numpy())
    assert ref.pixels_processed == pixels


def test_predict_rgb_rejects_gray(detector):
    wrapper = one_scale_wrapper(detector, 64)
    with pytest.raises(ValueError, match=r'\(H, W, 3\)'):
        predict_rgb(wrapper, _rgb()[..., 0])


def test_sahi_detector_model(detector):
    """With sahi installed: sliced prediction through the adapter, pixels
    counted over the slices and the full image."""
    sahi_predict = pytest.importorskip('sahi.predict')
    from mmsniper.apis.sahi_adapter import SahiDetectorModel
    model = SahiDetectorModel(detector, list('abcde'), input_size=64,
                              confidence_threshold=0.0)
    res = sahi_predict.get_sliced_prediction(
        _rgb(), model, slice_height=64, slice_width=64,
        overlap_height_ratio=0., overlap_width_ratio=0., verbose=0)
    # 2x2 slices of 64x64 (-> 64x64) plus the full image (-> 48x64)
    assert model.pixels == 4 * 64 * 64 + 48 * 64
    for p in res.object_prediction_list:
        x1, y1, x2, y2 = p.bbox.to_xyxy()
        assert 0 <= x1 < x2 <= 128 and 0 <= y1 < y2 <= 96
