"""SnipChipCrop: exact crops, box transforms, ignore flags, tiny and crowd
boxes, FocusPixel boxes, flips, padding, bad chips."""
import copy
import unittest

import cv2
import mmcv
import numpy as np
import pytest
import torch
from mmdet.datasets.transforms import PackDetInputs, RandomFlip
from mmdet.structures.bbox import HorizontalBoxes

import mmsniper  # noqa: F401
from mmsniper.datasets.transforms import SnipChipCrop


def _image(h=100, w=200):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x % 256, y % 256, (3 * x + 7 * y) % 256],
                    axis=-1).astype(np.uint8)


# chip [10, 5, 110, 65] (original px) of a 200 x 100 image
BOXES = np.array(
    [
        [20, 10, 40, 30],  # 0 valid (assigned to the chip)
        [50, 20, 70, 50],  # 1 inside, not assigned: invalid
        [90, 10, 130, 40],  # 2 cut by the right border: invalid
        [150, 60, 180, 90],  # 3 outside: dropped
        [25, 35, 45, 55],  # 4 crowd (ignore_flag 1), inside: dropped
    ],
    dtype=np.float32)


def _results(factor=1.0, valid=(0, ), chip=(10, 5, 110, 65), **kw):
    chip = np.array(chip, np.float32)
    res = dict(
        img=_image(),
        img_shape=(100, 200),
        ori_shape=(100, 200),
        img_path='toy.jpg',
        img_id=7,
        gt_bboxes=HorizontalBoxes(BOXES.copy()),
        gt_bboxes_labels=np.arange(5, dtype=np.int64),
        gt_ignore_flags=np.array([0, 0, 0, 0, 1], bool),
        chip=chip,
        chip_scaled=np.round(chip * factor).astype(np.int32),
        chip_factor=factor,
        chip_scale_idx=1,
        chip_valid_inds=np.array(valid, np.int64))
    res.update(kw)
    return res


class TestSnipChipCrop(unittest.TestCase):

    def test_factor_one_is_an_exact_slice(self):
        out = SnipChipCrop()(_results())
        np.testing.assert_array_equal(out['img'], _image()[5:65, 10:110])
        assert out['img_shape'] == (60, 100)
        assert out['scale_factor'] == (1.0, 1.0)
        # box 3 (outside) and 4 (crowd) dropped; others shifted by
        # (-10, -5) and clipped
        np.testing.assert_array_equal(out['gt_bboxes_labels'], [0, 1, 2])
        np.testing.assert_allclose(
            out['gt_bboxes'].tensor.numpy(),
            [[10, 5, 30, 25], [40, 15, 60, 45], [80, 5, 100, 35]])
        np.testing.assert_array_equal(out['gt_ignore_flags'],
                                      [False, True, True])
        assert out['chip_num_valid'] == 1
        np.testing.assert_allclose(out['chip_focus_bboxes'],
                                   out['gt_bboxes'].tensor.numpy())

    def test_factor_two_matches_resize_then_crop(self):
        out = SnipChipCrop()(_results(factor=2.0))
        full = cv2.resize(_image(), (400, 200), interpolation=cv2.INTER_LINEAR)
        ref = full[10:130, 20:220]
        assert out['img'].shape == ref.shape == (120, 200, 3)
        assert np.abs(out['img'].astype(int) - ref.astype(int)).max() <= 1
        np.testing.assert_allclose(
            out['gt_bboxes'].tensor.numpy(),
            [[20, 10, 60, 50], [80, 30, 120, 90], [160, 10, 200, 70]])
        assert out['scale_factor'] == (2.0, 2.0)
        assert 'homography_matrix' not in out  # none recorded before

    def test_fractional_factor_boxes(self):
        f = 0.5
        res = _results(factor=f, chip=(10, 6, 110, 66))
        out = SnipChipCrop()(res)
        assert out['img_shape'] == (30, 50)
        np.testing.assert_allclose(out['gt_bboxes'].tensor.numpy()[0],
                                   BOXES[0] * f - [5, 3, 5, 3])

    def test_padding_to_chip_size(self):
        out = SnipChipCrop(chip_size=128)(_results())
        assert out['img'].shape == (128, 128, 3)
        assert out['img_shape'] == (60, 100)
        assert out['pad_shape'] == (128, 128)
        np.testing.assert_array_equal(out['img'][:60, :100],
                                      _image()[5:65, 10:110])
        assert not out['img'][60:].any() and not out['img'][:, 100:].any()
        # chip_size from the results when the argument is None
        out = SnipChipCrop()(_results(chip_size=64))
        assert out['img'].shape == (64, 100, 3)

    def test_horizontal_flip_mirrors_the_chip(self):
        plain = SnipChipCrop()(_results(factor=2.0))
        res = _results(factor=2.0)
        res = RandomFlip(prob=1.0, direction='horizontal')(res)
        out = SnipChipCrop()(res)
        assert out['flip'] and out['img_shape'] == plain['img_shape']
        diff = out['img'].astype(int) - plain['img'][:, ::-1].astype(int)
        assert np.abs(diff).max() <= 1
        cw = plain['img_shape'][1]
        mirrored = plain['gt_bboxes'].tensor.numpy()[:, [2, 1, 0, 3]] * [
            -1, 1, -1, 1
        ] + [cw, 0, cw, 0]
        np.testing.assert_allclose(
            out['gt_bboxes'].tensor.numpy(), mirrored, atol=1e-4)
        np.testing.assert_array_equal(out['gt_ignore_flags'],
                                      plain['gt_ignore_flags'])
        np.testing.assert_allclose(out['chip'], [90, 5, 190, 65])
        # the homography maps original -> chip pixels through the flip
        h = out['homography_matrix']
        p = h @ np.array([20, 10, 1.0])  # box 0's corner, unflipped image
        np.testing.assert_allclose(p[:2], [cw - (20 * 2 - 20), 10],
                                   atol=1e-3)

    def test_vertical_flip(self):
        plain = SnipChipCrop()(_results())
        res = RandomFlip(prob=1.0, direction='vertical')(_results())
        out = SnipChipCrop()(res)
        np.testing.assert_array_equal(out['img'], plain['img'][::-1])

    def test_no_valid_box_negative_chip(self):
        out = SnipChipCrop()(_results(valid=()))
        assert out['gt_ignore_flags'].all() and out['chip_num_valid'] == 0

    def test_pack_moves_invalid_boxes_to_ignored_instances(self):
        out = SnipChipCrop(chip_size=128)(_results())
        packed = PackDetInputs(meta_keys=('img_id', 'img_shape', 'chip',
                                          'chip_scale_idx',
                                          'chip_factor'))(out)
        ds = packed['data_samples']
        assert packed['inputs'].shape == (3, 128, 128)
        np.testing.assert_allclose(ds.gt_instances.bboxes.tensor.numpy(),
                                   [[10, 5, 30, 25]])
        assert len(ds.ignored_instances) == 2  # the crowd box is dropped
        assert ds.metainfo['chip_scale_idx'] == 1
        assert ds.metainfo['chip_factor'] == 1.0
        np.testing.assert_allclose(ds.metainfo['chip'], [10, 5, 110, 65])

    def test_numpy_boxes_and_missing_chip_scaled(self):
        res = _results(factor=2.0)
        res['gt_bboxes'] = BOXES.copy()
        del res['chip_scaled']
        out = SnipChipCrop()(res)
        assert isinstance(out['gt_bboxes'], np.ndarray)
        np.testing.assert_allclose(out['gt_bboxes'][0], [20, 10, 60, 50])

    def test_masks_and_seg_map(self):
        from mmdet.structures.mask import BitmapMasks
        masks = np.zeros((5, 100, 200), np.uint8)
        for i, b in enumerate(BOXES.astype(int)):
            masks[i, b[1]:b[3], b[0]:b[2]] = 1
        res = _results(
            gt_masks=BitmapMasks(masks, 100, 200),
            gt_seg_map=np.full((100, 200), 3, np.uint8))
        out = SnipChipCrop(chip_size=128)(res)
        assert out['gt_masks'].masks.shape == (3, 128, 128)
        assert out['gt_masks'].masks[0, 5:25, 10:30].all()
        assert out['gt_masks'].masks[0].sum() == 400
        assert (out['gt_seg_map'][:60, :100] == 3).all()
        assert (out['gt_seg_map'][60:] == 255).all()

    def test_stale_valid_inds_are_an_error(self):
        with pytest.raises(AssertionError, match='do not index'):
            SnipChipCrop()(_results(valid=(7, )))

    def test_input_not_modified_elsewhere(self):
        res = _results()
        img = res['img'].copy()
        SnipChipCrop()(copy.copy(res))
        np.testing.assert_array_equal(res['img'], img)

    def test_crowd_boxes_as_ignore_regions(self):
        out = SnipChipCrop(flagged_boxes='ignore')(_results())
        np.testing.assert_array_equal(out['gt_bboxes_labels'], [0, 1, 2, 4])
        np.testing.assert_allclose(out['gt_bboxes'].tensor.numpy()[3],
                                   [15, 30, 35, 50])
        np.testing.assert_array_equal(out['gt_ignore_flags'],
                                      [False, True, True, True])
        assert out['chip_num_valid'] == 1
        assert len(out['chip_focus_bboxes']) == 4  # crowds paint too

    def test_tiny_boxes_are_neither_valid_nor_ignored(self):
        # chip [10, 5, 110, 65]; sides in chip px at factor 1
        boxes = np.array(
            [
                [20, 10, 40, 30],  # 0 valid, 20 x 20: kept
                [30, 40, 36, 60],  # 1 valid, 6 x 20: dropped
                [50, 20, 70, 50],  # 2 invalid, 20 x 30: kept
                [104, 10, 140, 50],  # 3 invalid, cut to 6 x 40: dropped
                [60, 10, 69.5, 30],  # 4 invalid, 9.5 x 20: dropped
                [80, 10, 90, 20],  # 5 invalid, 10 x 10: kept
            ],
            dtype=np.float32)
        kw = dict(gt_bboxes=HorizontalBoxes(boxes.copy()),
                  gt_bboxes_labels=np.arange(6, dtype=np.int64),
                  gt_ignore_flags=np.zeros(6, bool))
        out = SnipChipCrop()(_results(valid=(0, 1), **kw))
        np.testing.assert_array_equal(out['gt_bboxes_labels'], [0, 2, 5])
        np.testing.assert_array_equal(out['gt_ignore_flags'],
                                      [False, True, True])
        assert out['chip_num_valid'] == 1
        # every box of the chip still paints the FocusPixel labels
        np.testing.assert_allclose(
            out['chip_focus_bboxes'],
            np.clip(boxes - [10, 5, 10, 5], 0, [100, 60, 100, 60]))
        # min_box_side=0 disables the filter
        kw['gt_bboxes'] = HorizontalBoxes(boxes.copy())
        out = SnipChipCrop(min_box_side=0)(_results(valid=(0, 1), **kw))
        np.testing.assert_array_equal(out['gt_bboxes_labels'], np.arange(6))
        assert out['chip_num_valid'] == 2
        # the side is measured in chip pixels: 6 px at factor 2 is 12 px
        kw['gt_bboxes'] = HorizontalBoxes(boxes.copy())
        out = SnipChipCrop()(_results(factor=2.0, valid=(0, 1), **kw))
        np.testing.assert_array_equal(out['gt_bboxes_labels'],
                                      [0, 1, 2, 3, 4, 5])

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match='min_box_side'):
            SnipChipCrop(min_box_side=-1)
        with pytest.raises(ValueError, match='flagged_boxes'):
            SnipChipCrop(flagged_boxes='keep')
        for bad in (0, 2.5, True):
            with pytest.raises(ValueError, match='SnipChipCrop chip_size'):
                SnipChipCrop(chip_size=bad)
        assert SnipChipCrop(chip_size=256.0).chip_size == 256

    def test_repr(self):
        assert repr(SnipChipCrop(chip_size=512)) == (
            "SnipChipCrop(chip_size=512, pad_val=0, seg_pad_val=255, "
            "interpolation='bilinear', min_box_side=10.0, "
            "flagged_boxes='drop')")
        assert repr(SnipChipCrop(min_box_side=5, flagged_boxes='ignore')) \
            .endswith("min_box_side=5, flagged_boxes='ignore')")


def test_matches_mmcv_imrescale_crop_on_random_image():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (90, 130, 3), dtype=np.uint8)
    f = 3.0
    big = mmcv.imresize(img, (390, 270), interpolation='bilinear')
    res = dict(
        img=img,
        chip=np.array([20, 30, 60, 70], np.float32),
        chip_scaled=np.array([60, 90, 180, 210], np.int32),
        chip_factor=f,
        chip_valid_inds=np.zeros(0, np.int64),
        gt_bboxes=HorizontalBoxes(torch.zeros(0, 4)),
        gt_bboxes_labels=np.zeros(0, np.int64))
    out = SnipChipCrop()(res)
    ref = big[90:210, 60:180]
    assert np.abs(out['img'].astype(int) - ref.astype(int)).max() <= 1
    assert len(out['gt_bboxes']) == 0
    assert out['chip_focus_bboxes'].shape == (0, 4)
