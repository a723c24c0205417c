# Copyright (c) mmsniper contributors. All rights reserved.
"""Tests of the cross-scale merge: border pruning and the soft-NMS merge
(against a numpy port of the original ``cpu_soft_nms``)."""
import numpy as np
import pytest
import torch

from mmsniper.chips.merge import (DEFAULT_NMS_CFG, border_prune,
                                  merge_detections)


def test_border_prune_inner_chip():
    chip = (100, 50, 300, 250)  # all four edges inside a 400 x 500 image
    # yapf: disable
    boxes = np.array([
        [150, 100, 200, 150],   # well inside
        [109, 100, 200, 150],   # left edge 9 px from the chip's left
        [110, 100, 200, 150],   # exactly 10 px: kept (strict <)
        [150, 55, 200, 150],    # top
        [150, 100, 291, 150],   # right, 9 px
        [150, 100, 290, 150],   # right, 10 px: kept
        [150, 100, 200, 245],   # bottom
        [95, 100, 200, 150],    # outside the chip but close: dropped too
    ], dtype=np.float32)
    # yapf: enable
    expected = [True, False, True, False, False, True, False, False]
    keep = border_prune(boxes, chip, (400, 500))
    assert keep.dtype == bool and keep.tolist() == expected
    keep = border_prune(torch.from_numpy(boxes), chip, (400, 500))
    assert keep.dtype == torch.bool and keep.tolist() == expected


def test_border_prune_image_borders():
    img_shape = (300, 400)  # (h, w)
    # chip touching the left/top image border (x1, y1 < 0.5) and the
    # right/bottom one (x2 >= W - 0.5, y2 >= H - 0.5): no inner edges
    boxes = np.array([[0, 0, 20, 20], [380, 280, 400, 300]], np.float32)
    assert border_prune(boxes, (0.4, 0, 399.5, 300), img_shape).all()
    # only the right edge is inner
    chip = (0, 0, 200, 300)
    boxes = np.array([[1, 1, 50, 299], [1, 1, 195, 299], [1, 1, 209, 299]],
                     np.float32)
    keep = border_prune(boxes, chip, img_shape)
    assert keep.tolist() == [True, False, False]
    keep = border_prune(boxes, chip, img_shape, margin=4)
    assert keep.tolist() == [True, True, True]
    assert border_prune(np.zeros((0, 4), np.float32), chip,
                        img_shape).shape == (0, )


def _soft_nms_ref(dets, sigma, threshold, offset):
    """numpy port of the original ``cpu_soft_nms`` (Gaussian, method 2)."""
    boxes = dets.astype(np.float64).copy()
    n = len(boxes)
    i = 0
    while i < n:
        m = i + int(np.argmax(boxes[i:n, 4]))
        boxes[[i, m]] = boxes[[m, i]]
        tx1, ty1, tx2, ty2 = boxes[i, :4]
        pos = i + 1
        while pos < n:
            x1, y1, x2, y2 = boxes[pos, :4]
            iw = min(tx2, x2) - max(tx1, x1) + offset
            ih = min(ty2, y2) - max(ty1, y1) + offset
            if iw > 0 and ih > 0:
                area = (x2 - x1 + offset) * (y2 - y1 + offset)
                ua = (tx2 - tx1 + offset) * (ty2 - ty1 + offset) + area \
                    - iw * ih
                ov = iw * ih / ua
                boxes[pos, 4] *= np.exp(-(ov * ov) / sigma)
                if boxes[pos, 4] < threshold:
                    boxes[pos] = boxes[n - 1]
                    n -= 1
                    pos -= 1
            pos += 1
        i += 1
    return boxes[:n]


def _merge_ref(bboxes, scores, labels, sigma, min_score, offset, max_num):
    out = []
    for c in np.unique(labels):
        m = labels == c
        dets = np.hstack([bboxes[m], scores[m, None]])
        kept = _soft_nms_ref(dets, sigma, min_score, offset)
        out.append(np.hstack([kept, np.full((len(kept), 1), c)]))
    out = np.concatenate(out) if out else np.zeros((0, 6))
    out = out[np.argsort(-out[:, 4], kind='stable')][:max_num]
    return out


def _random_scale(rng, n, num_classes=3):
    ctr = rng.random((n, 2)) * 300
    # clusters of overlapping boxes around a few centres
    ctr = np.repeat(ctr[:(n + 3) // 4], 4, axis=0)[:n]
    ctr += rng.normal(0, 6, ctr.shape)
    wh = 20 + rng.random((n, 2)) * 60
    boxes = np.hstack([ctr - wh / 2, ctr + wh / 2]).astype(np.float32)
    scores = rng.uniform(0.001, 1., n).astype(np.float32)
    labels = rng.integers(0, num_classes, n)
    return boxes, scores, labels


def test_soft_nms_ref_hand_case():
    # two boxes with IoU 0.5 (offset 0): the second is rescored by
    # exp(-0.25 / 0.55); a disjoint box keeps its score
    dets = np.array([[0, 0, 10, 10, 0.9], [0, 0, 10, 5, 0.8],
                     [50, 50, 60, 60, 0.7]], np.float32)
    out = _soft_nms_ref(dets, 0.55, 1e-3, 0)
    np.testing.assert_allclose(out[:, 4],
                               [0.9, 0.7, 0.8 * np.exp(-0.25 / 0.55)],
                               rtol=1e-6)
    # offset 1 (the original's +1 areas): IoU = 66 / 121
    out = _soft_nms_ref(dets, 0.55, 1e-3, 1)
    np.testing.assert_allclose(out[2, 4], 0.8 * np.exp(-(66 / 121)**2 / 0.55),
                               rtol=1e-6)


@pytest.mark.parametrize('offset', [0, 1])
def test_merge_detections_matches_reference(offset):
    pytest.importorskip(
        'mmcv.ops', reason='mmcv (with ops) is not installed yet')
    cfg = dict(DEFAULT_NMS_CFG, offset=offset)
    for seed in range(8):
        rng = np.random.default_rng(seed)
        per_scale = [_random_scale(rng, int(n)) for n in (40, 25, 0, 60)]
        per_scale[1] = tuple(torch.from_numpy(a) for a in per_scale[1])
        max_num = 50 if seed % 2 else 200
        bboxes, scores, labels = merge_detections(per_scale, cfg, max_num)
        cat = [np.concatenate([np.asarray(s[i]) for s in per_scale])
               for i in range(3)]
        ref = _merge_ref(*cat, sigma=0.55, min_score=1e-3, offset=offset,
                         max_num=max_num)
        assert bboxes.shape == (len(ref), 4)
        # float32 and batched_nms' per-class coordinate offsets vs float64
        np.testing.assert_allclose(scores.numpy(), ref[:, 4], rtol=1e-3,
                                   atol=1e-5)
        np.testing.assert_allclose(bboxes.numpy(), ref[:, :4], atol=1e-4)
        np.testing.assert_array_equal(labels.numpy(), ref[:, 5])


def test_merge_detections_empty_and_cap():
    pytest.importorskip(
        'mmcv.ops', reason='mmcv (with ops) is not installed yet')
    empty = (np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
             np.zeros(0, np.int64))
    bboxes, scores, labels = merge_detections([empty, empty])
    assert bboxes.shape == (0, 4) and scores.shape == (0, ) \
        and labels.shape == (0, )
    # 300 disjoint boxes of one class: soft-NMS keeps all, the cap keeps 200
    xs = np.arange(300, dtype=np.float32) * 20
    boxes = np.stack([xs, xs * 0, xs + 10, xs * 0 + 10], axis=1)
    scores_in = np.linspace(1, 0.5, 300).astype(np.float32)
    bboxes, scores, labels = merge_detections(
        [(boxes, scores_in, np.zeros(300, np.int64))])
    assert len(bboxes) == 200
    np.testing.assert_allclose(scores.numpy(), scores_in[:200])
    np.testing.assert_allclose(bboxes.numpy(), boxes[:200])
