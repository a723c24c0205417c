# Copyright (c) mmsniper contributors. All rights reserved.
"""Instance masks through SnipChipCrop: polygons clipped exactly and mapped
as the boxes, dropped with their boxes, empty for ignored instances;
bitmaps agree with polygons; no full-image bitmap for polygons."""
import tracemalloc

import numpy as np
import pytest
import torch
from mmdet.datasets.transforms import PackDetInputs, RandomFlip
from mmdet.structures.bbox import HorizontalBoxes
from mmdet.structures.mask import BitmapMasks, PolygonMasks, mask_target
from mmengine.config import ConfigDict

import mmsniper  # noqa: F401
from mmsniper.datasets.transforms import SnipChipCrop
from mmsniper.datasets.transforms.chip_masks import EMPTY_POLYGON

#: pycocotools 2.0 decoding under numpy 2 (known warning of the stack)
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword")

H, W = 100, 200
CHIP = (10, 5, 110, 65)  # original px; 100 x 60


def _rect(x1, y1, x2, y2):
    return np.array([x1, y1, x2, y1, x2, y2, x1, y2], np.float64)


# (box, polygons) per instance, image pixels
INSTANCES = [
    # 0 valid: a rectangle with a hole-free notch, fully inside
    ((20, 10, 40, 30), [np.array([20., 10, 40, 10, 40, 30, 30, 20, 20, 30])]),
    # 1 valid, two parts: one inside, one cut by the right border
    ((50, 20, 130, 50), [_rect(50, 20, 70, 50), _rect(90, 25, 130, 45)]),
    # 2 invalid (not assigned), inside: ignored
    ((60, 30, 80, 55), [_rect(60, 30, 80, 55)]),
    # 3 outside the chip: dropped with its box
    ((150, 60, 180, 90), [_rect(150, 60, 180, 90)]),
    # 4 valid box, but its polygon lies outside the chip: empty entry
    ((12, 40, 40, 60), [_rect(150, 10, 170, 30)]),
]


def _results(factor=1.0, masks='polygon', valid=(0, 1, 4), img=None,
             instances=INSTANCES, chip=CHIP, hw=(H, W)):
    chip = np.array(chip, np.float32)
    boxes = np.array([b for b, _ in instances], np.float32)
    polys = [[p.copy() for p in ps] for _, ps in instances]
    gt = PolygonMasks(polys, *hw)
    if masks == 'bitmap':
        gt = gt.to_bitmap()
    n = len(instances)
    return dict(
        img=np.zeros(hw + (3, ), np.uint8) if img is None else img,
        img_shape=hw, ori_shape=hw, img_id=3,
        gt_bboxes=HorizontalBoxes(boxes),
        gt_bboxes_labels=np.arange(n, dtype=np.int64),
        gt_ignore_flags=np.zeros(n, bool), gt_masks=gt, chip=chip,
        chip_scaled=np.round(chip * factor).astype(np.int32),
        chip_factor=factor, chip_valid_inds=np.array(valid, np.int64))


def _iou(a, b):
    a, b = a.astype(bool), b.astype(bool)
    return (a & b).sum() / max((a | b).sum(), 1)


@pytest.mark.parametrize('factor', [1.0, 2.0, 0.5])
def test_polygons_clipped_and_mapped_as_boxes(factor):
    out = SnipChipCrop(chip_size=256, min_box_side=0)(_results(factor))
    masks, boxes = out['gt_masks'], out['gt_bboxes'].tensor.numpy()
    assert isinstance(masks, PolygonMasks)
    # box 3 (outside) dropped with its polygon; masks aligned with boxes
    np.testing.assert_array_equal(out['gt_bboxes_labels'], [0, 1, 2, 4])
    assert len(masks) == 4 and (masks.height, masks.width) == (256, 256)
    np.testing.assert_array_equal(out['gt_ignore_flags'],
                                  [False, False, True, False])
    f, (ox, oy) = factor, (round(CHIP[0] * factor), round(CHIP[1] * factor))
    ch, cw = out['img_shape']
    # instance 0 (inside): every vertex mapped by x * f - ox, as its box
    exp0 = INSTANCES[0][1][0].reshape(-1, 2) * f - (ox, oy)
    np.testing.assert_allclose(masks.masks[0][0].reshape(-1, 2), exp0)
    xy = masks.masks[0][0].reshape(-1, 2)
    np.testing.assert_allclose([*xy.min(0), *xy.max(0)], boxes[0])
    # instance 1: part 2 cut exactly at the chip's right border
    inner, cut = masks.masks[1]
    np.testing.assert_allclose(
        inner, _rect(50 * f - ox, 20 * f - oy, 70 * f - ox, 50 * f - oy))
    np.testing.assert_allclose(
        cut, _rect(90 * f - ox, 25 * f - oy, cw, 45 * f - oy))
    xy = np.concatenate([inner, cut]).reshape(-1, 2)
    np.testing.assert_allclose([*xy.min(0), *xy.max(0)], boxes[1])
    # ignored instance 2 and instance 4 (polygon outside): empty entries
    for k in (2, 3):
        assert len(masks.masks[k]) == 1
        np.testing.assert_array_equal(masks.masks[k][0], EMPTY_POLYGON)
    assert masks.to_ndarray()[2:].sum() == 0
    area = masks.to_ndarray()[1].sum()
    assert area == pytest.approx((20 * 30 + (cw / f - 80) * 20) * f * f,
                                 rel=0.05)


def test_ignored_instances_carry_no_mask():
    res = _results()
    res['gt_ignore_flags'][0] = True  # dataset flag (crowd), kept
    out = SnipChipCrop(flagged_boxes='ignore', min_box_side=0)(res)
    packed = PackDetInputs()(out)['data_samples']
    gt, ign = packed.gt_instances, packed.ignored_instances
    assert gt.labels.tolist() == [1, 4] and ign.labels.tolist() == [0, 2]
    assert len(gt.masks) == 2 and len(ign.masks) == 2
    assert ign.masks.to_ndarray().sum() == 0
    assert len(gt.masks.masks[0]) == 2  # instance 1's two parts
    # mmdet's mask targets read gt_instances only: one target per positive
    # proposal, from the valid masks
    props = torch.tensor([[40., 15., 60., 45.], [40., 15., 60., 45.]])
    cfg = ConfigDict(mask_size=8)
    tgt = mask_target([props], [torch.tensor([0, 1])], [gt.masks], cfg)
    assert tgt.shape == (2, 8, 8)
    assert tgt[0].sum() > 16 and tgt[1].sum() == 0  # 4's mask is empty


@pytest.mark.parametrize('factor', [1.0, 1.7, 0.6])
def test_bitmap_agrees_with_polygon(factor):
    rng = np.random.RandomState(int(factor * 10))
    hw = (300, 400)
    polys = PolygonMasks.random(num_masks=12, height=hw[0], width=hw[1],
                                n_verts=9, rng=rng).masks
    # large enough random star shapes, spread over the image
    insts = []
    for ps in polys:
        p = ps[0].reshape(-1, 2)
        p = (p - p.min(0)) / np.ptp(p, 0).max() * rng.uniform(40, 120)
        p += rng.uniform(0, [hw[1] - 120, hw[0] - 120])
        insts.append(((*p.min(0), *p.max(0)), [p.reshape(-1)]))
    kw = dict(instances=insts, chip=(60, 40, 330, 260), hw=hw,
              valid=range(len(insts)), factor=factor)
    t = SnipChipCrop(min_box_side=0)
    pol, bit = t(_results(**kw)), t(_results(masks='bitmap', **kw))
    assert isinstance(bit['gt_masks'], BitmapMasks)
    np.testing.assert_array_equal(pol['gt_bboxes_labels'],
                                  bit['gt_bboxes_labels'])
    a, b = pol['gt_masks'].to_ndarray(), bit['gt_masks'].masks
    assert a.shape == b.shape and len(a) >= 6
    ious = [_iou(x, y) for x, y in zip(a, b) if y.sum() > 100]
    assert len(ious) >= 5 and min(ious) > 0.9, ious


def test_flip_agrees_with_bitmap():
    kw = dict(valid=(0, 1, 2, 4), factor=1.5)
    flip = RandomFlip(prob=1.0, direction='horizontal')
    crop = SnipChipCrop(min_box_side=0)
    pol = crop(flip(_results(**kw)))
    bit = crop(flip(_results(masks='bitmap', **kw)))
    a, b = pol['gt_masks'].to_ndarray(), bit['gt_masks'].masks
    assert a.shape == b.shape
    for x, y in zip(a, b):
        assert (x.sum() == y.sum() == 0) or _iou(x, y) > 0.95


def test_huge_image_polygons_without_full_bitmap(monkeypatch):
    hw = (20000, 300)
    img = np.zeros(hw + (3, ), np.uint8)
    insts = [((20, 9000 + 40 * k, 60, 9030 + 40 * k),
              [_rect(20, 9000 + 40 * k, 60, 9030 + 40 * k)])
             for k in range(30)]
    res = _results(img=img, instances=insts, hw=hw, chip=(0, 9100, 300,
                                                           9600),
                   valid=range(30), factor=1.0)

    def no_bitmap(*args, **kwargs):
        raise AssertionError('a full-image bitmap was made')

    monkeypatch.setattr(PolygonMasks, 'to_ndarray', no_bitmap)
    monkeypatch.setattr(PolygonMasks, 'to_bitmap', no_bitmap)
    tracemalloc.start()
    out = SnipChipCrop(chip_size=512)(res)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # the chip image (512 x 512 x 3) and its polygons; one full bitmap
    # alone would be 6 MB
    assert peak < 2.5e6, peak
    masks = out['gt_masks']
    assert (masks.height, masks.width) == (512, 512)
    # instances 2..14 lie (partly) in rows 9100..9600
    assert len(masks) == len(out['gt_bboxes']) == 13
    np.testing.assert_allclose(masks.masks[0][0],
                               _rect(20, 0, 60, 10))  # cut at the top


def test_bad_masks():
    res = _results()
    res['gt_masks'] = res['gt_masks'][[0, 1]]
    with pytest.raises(ValueError, match='2 masks for 5 boxes'):
        SnipChipCrop()(res)
    res = _results()
    res['gt_masks'] = np.zeros((5, H, W), np.uint8)
    with pytest.raises(TypeError, match='PolygonMasks or BitmapMasks'):
        SnipChipCrop()(res)
