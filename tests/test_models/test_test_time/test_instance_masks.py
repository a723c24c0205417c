"""Masks through the test-time wrappers: the full-image RLE of a box crop,
the paste of a 28x28 map into its box, a chip mask at a factor landing at
the right original pixels, the survivor of the merge keeping its own mask,
and box-only detectors unchanged."""
import numpy as np
import pycocotools.mask as mask_util
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.models.test_time import SniperMultiScaleTTA
from mmsniper.models.test_time import chip_runner as tt_runner
from mmsniper.models.test_time.instance_masks import (crop_to_rle,
                                                      gather_survivors,
                                                      paste_rle)
from mmsniper.testing import tiny_focus_detector_cfg

pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def mask_cfg(repo_root):
    init_default_scope('mmdet')
    return tiny_focus_detector_cfg(repo_root, focus=False, mask=True)


@pytest.mark.parametrize('shape,crop_at,crop_size', [
    ((40, 30), (5, 7), (12, 9)),     # inside
    ((40, 30), (0, 3), (40, 10)),    # full height: runs span columns
    ((40, 30), (28, 21), (12, 9)),   # reaches the last pixel
    ((17, 23), (0, 0), (17, 23)),    # the whole image
])
def test_crop_to_rle_equals_dense_encode(shape, crop_at, crop_size):
    rng = np.random.default_rng(0)
    (y0, x0), (h, w) = crop_at, crop_size
    crop = rng.random((h, w)) > 0.5
    dense = np.zeros(shape, np.uint8, order='F')
    dense[y0:y0 + h, x0:x0 + w] = crop
    rle = crop_to_rle(crop, y0, x0, shape)
    assert rle == mask_util.encode(dense)  # same counts, not only pixels
    assert (mask_util.decode(rle) == dense).all()
    empty = crop_to_rle(np.zeros((h, w), bool), y0, x0, shape)
    assert mask_util.area(empty) == 0 and empty['size'] == list(shape)
    with pytest.raises(ValueError, match='outside'):
        crop_to_rle(crop, shape[0] - h + 1, x0, shape)


def test_paste_fills_exactly_the_box():
    """A map of ones in box [10, 20, 30, 50]: the pixels whose centres lie
    in the box, 20 x 30 of them."""
    rles = paste_rle(torch.ones((1, 28, 28)),
                     torch.tensor([[10., 20., 30., 50.]]), (80, 100))
    dense = mask_util.decode(rles[0])
    assert dense.shape == (80, 100) and rles.areas().tolist() == [600]
    ys, xs = np.nonzero(dense)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (10, 29, 20, 49)


def _left_right_maps():
    left = torch.zeros((28, 28), dtype=torch.float16)
    left[:, :14] = 1
    return left, left.flip(1)


def _fake_raw(monkeypatch, cands):
    """raw_detections of every input: ``cands`` ``[(box input px, score,
    label, map), ...]``, with the maps when asked for masks."""

    def fake(det, inputs, samples, rpn_max=None, det_max=None,
             score_floor=1e-3, with_focus=False, with_masks=False):
        boxes = torch.tensor([c[0] for c in cands])
        scores = torch.tensor([c[1] for c in cands])
        labels = torch.tensor([c[2] for c in cands])
        d = (boxes, scores, labels)
        if with_masks:
            d += (torch.stack([c[3] for c in cands]), )
        return [d for _ in samples], None

    monkeypatch.setattr(tt_runner, 'raw_detections', fake)


def _predict(model, h=100, w=100):
    img = torch.zeros((3, h, w), dtype=torch.uint8)
    sample = DetDataSample(metainfo=dict(ori_shape=(h, w), img_shape=(h, w),
                                         img_id=0))
    return model.predict_images([img], [sample])[0].pred_instances


def test_chip_mask_lands_at_original_pixels(mask_cfg, monkeypatch):
    """Box (40, 20, 80, 60) at factor 2 is (20, 10, 40, 30) in the image;
    its left-half map covers x 20..29, y 10..29 there."""
    left, _ = _left_right_maps()
    _fake_raw(monkeypatch, [((40., 20., 80., 60.), 0.9, 1, left)])
    model = SniperMultiScaleTTA(module=mask_cfg,
                                tta_cfg=dict(scales=[2.0]))
    assert model.with_mask and model.mask_thr == 0.5
    inst = _predict(model)
    assert inst.bboxes.tolist() == [[20., 10., 40., 30.]]
    dense = mask_util.decode(inst.masks[0])
    ys, xs = np.nonzero(dense)
    assert inst.masks.areas().tolist() == [200]
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (20, 29, 10, 29)


@pytest.mark.parametrize('scores', [(0.9, 0.8), (0.8, 0.9)])
def test_survivor_keeps_its_own_mask(mask_cfg, monkeypatch, scores):
    """Two candidates on one box, a left-half and a right-half map: hard
    NMS keeps the better one, with its map; soft-NMS keeps both, each with
    its own."""
    left, right = _left_right_maps()
    box = (10., 10., 50., 50.)
    _fake_raw(monkeypatch, [(box, scores[0], 0, left),
                            (box, scores[1], 0, right)])
    best_is_left = scores[0] > scores[1]
    hard = SniperMultiScaleTTA(
        module=mask_cfg,
        tta_cfg=dict(scales=[1.0],
                     nms=dict(type='nms', iou_threshold=0.5)))
    inst = _predict(hard)
    assert len(inst) == 1 and inst.scores.item() == pytest.approx(max(scores))
    xs = np.nonzero(mask_util.decode(inst.masks[0]))[1]
    assert (xs.max() < 30) == best_is_left and (xs.min() >= 30) != \
        best_is_left
    soft = SniperMultiScaleTTA(module=mask_cfg, tta_cfg=dict(scales=[1.0]))
    inst = _predict(soft)
    assert len(inst) == 2 and len(inst.masks) == 2
    firsts = [np.nonzero(mask_util.decode(m))[1].min() for m in inst.masks]
    assert firsts == ([10, 30] if best_is_left else [30, 10])


def test_gather_survivors_across_jobs():
    maps = [torch.full((2, 28, 28), 1.), torch.zeros((0, 28, 28)),
            torch.full((3, 28, 28), 2.)]
    maps[2][1] = 7.
    out = gather_survivors(maps, torch.tensor([3, 0]))
    assert out[:, 0, 0].tolist() == [7., 1.]


def test_box_only_unchanged(plain_cfg, mask_cfg, monkeypatch):
    """A Faster R-CNN gets no masks (raw_detections is called without
    with_masks); with_mask=False on a Mask R-CNN gives boxes only;
    with_mask=True on a Faster R-CNN raises."""
    calls = []

    def fake(det, inputs, samples, rpn_max=None, det_max=None,
             score_floor=1e-3, with_focus=False, **kw):
        calls.append(kw)
        d = (torch.tensor([[1., 1., 9., 9.]]), torch.tensor([0.5]),
             torch.tensor([0]))
        return [d for _ in samples], None

    monkeypatch.setattr(tt_runner, 'raw_detections', fake)
    for cfg, opts in ((plain_cfg, {}), (mask_cfg, dict(with_mask=False))):
        model = SniperMultiScaleTTA(module=cfg,
                                    tta_cfg=dict(scales=[1.0], **opts))
        inst = _predict(model, 32, 32)
        assert 'masks' not in inst and len(inst) == 1
    assert calls == [{}, {}]
    with pytest.raises(ValueError, match='no mask head'):
        SniperMultiScaleTTA(module=plain_cfg,
                            tta_cfg=dict(scales=[1.0], with_mask=True))
