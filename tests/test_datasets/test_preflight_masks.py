# Copyright (c) mmsniper contributors. All rights reserved.
"""Pre-flight check of masks: every bad polygon / RLE is named by image id
and annotation id or repaired as documented, never an empty mask; a mask
pipeline gets the check without asking, and polygons reach the chips."""
import os.path as osp

import numpy as np
import pytest
from mmdet.structures.mask import PolygonMasks
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.datasets import SniperDataset
from mmsniper.datasets.preflight import PreflightError, check_coco
from mmsniper.datasets.preflight_masks import loads_masks, mask_problem
from mmsniper.testing import CocoSplitCopy
from mmsniper.testing.sniper_toy import SYN_CHIP_CFG

init_default_scope('mmdet')
#: pycocotools 2.0 decoding under numpy 2 (known warning of the stack)
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword")

WH = (100, 80)
SQUARE = [10., 10., 30., 10., 30., 30., 10., 30.]


@pytest.mark.parametrize('seg,reason', [
    (None, 'missing_mask'),
    ([], 'missing_mask'),
    ([['a', 1, 2, 3, 4, 5]], 'malformed_mask'),
    ([[1., 2., float('nan'), 3., 4., 5.]], 'malformed_mask'),
    ({'counts': 'abc'}, 'malformed_mask'),
    ({'counts': 'abc', 'size': [WH[0], WH[1]]}, 'rle_size_mismatch'),
    ([[1., 2., 3., 4.]], 'degenerate_polygon'),  # 2 points
    ([[0., 0., 5., 5., 9., 9.], [1., 1., 2.]], 'degenerate_polygon'),
    ([[120., 10., 140., 10., 140., 30.]], 'outside_polygon'),
    ([[100., 0., 110., 0., 110., 80., 100., 80.]], 'outside_polygon'),
    ([SQUARE, [5., 5., 6., 6., 7., 7.]], 'degenerate_part'),
    ([[-5., 10., 30., 10., 30., 30.]], 'partly_outside_polygon'),
    ([SQUARE], None),
    ({'counts': 'abc', 'size': [WH[1], WH[0]]}, None),
    # a bow tie intersects itself: kept as it is, no problem
    ([[10., 10., 30., 30., 30., 10., 10., 30.]], None),
])
def test_mask_problem(seg, reason):
    got, text = mask_problem(dict(segmentation=seg), WH)
    assert got == reason, text
    assert (text == '') == (reason is None)
    if reason:
        assert "field 'segmentation'" in text


def test_mask_problem_without_image_size():
    seg = [[-50., 10., 30., 10., 30., 30.]]
    assert mask_problem(dict(segmentation=seg), None) == (None, '')
    assert mask_problem(dict(segmentation=[[1., 2., 3., 4.]]),
                        None)[0] == 'degenerate_polygon'


# ----------------------------------------------------------- datasets
def _mask_pipeline() -> list:
    return [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True, with_mask=True,
             poly2mask=False),
        dict(type='SnipChipCrop'),
        dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'chip',
                                              'chip_factor', 'img_shape'))
    ]


class Copy(CocoSplitCopy):
    """A writable copy of the tiny preset's train split."""

    def ann(self, k: int = 0, j: int = 0) -> dict:
        return [a for a in self.coco['annotations']
                if a['image_id'] == self.img(k)['id']][j]

    def dataset_cfg(self, pipeline) -> dict:
        self.write()
        return dict(type='SyntheticScaleDataset', data_root=self.root + '/',
                    ann_file='annotations/train.json',
                    data_prefix=dict(img='train/'), pipeline=pipeline)

    def sniper(self, pipeline=None, **kw) -> SniperDataset:
        return SniperDataset(self.dataset_cfg(pipeline or _mask_pipeline()),
                             chip_cfg=SYN_CHIP_CFG, **kw)


@pytest.fixture
def tiny(tiny_synthetic_root, tmp_path):
    return Copy(tiny_synthetic_root, str(tmp_path / 'tiny'))


def test_masks_checked_only_for_a_mask_pipeline(tiny):
    ann = tiny.ann(0, 3)
    ann['segmentation'] = [[1., 2., 3., 4.]]
    rep = check_coco(tiny.write(), osp.join(tiny.root, 'train'))
    assert rep.counts == {}  # boxes only: the polygon is not looked at
    rep = check_coco(tiny.write(), osp.join(tiny.root, 'train'),
                     options=dict(check_masks=True))
    assert rep.counts == {'degenerate_polygon': 1}
    assert rep.examples['degenerate_polygon'][0][:3] == (
        tiny.img(0)['id'], tiny.img(0)['file_name'], ann['id'])
    box_only = tiny.sniper(pipeline=[dict(type='LoadAnnotations')])
    assert box_only.preflight_report.counts == {}
    assert not loads_masks(box_only.dataset)
    ds = tiny.sniper()
    assert loads_masks(ds.dataset)
    assert ds.preflight_report.counts == {'degenerate_polygon': 1}


def test_bad_polygons_dropped_with_their_box_or_an_error(tiny):
    n = len([a for a in tiny.coco['annotations']
             if a['image_id'] == tiny.img(0)['id']])
    bad = tiny.ann(0, 2)
    bad['segmentation'] = [[5000., 10., 5100., 10., 5100., 90.]]
    ds = tiny.sniper()
    assert ds.preflight_report.counts == {'outside_polygon': 1}
    assert len(ds._anns.boxes[0]) == n - 1
    np.testing.assert_array_equal(ds._repairs[0][0],
                                  [k for k in range(n) if k != 2])
    with pytest.raises(PreflightError) as e:
        tiny.sniper(preflight=dict(mask='error'))
    msg = str(e.value)
    assert 'outside_polygon' in msg
    assert f"image {tiny.img(0)['id']} " in msg
    assert f"annotation {bad['id']}: field 'segmentation' has no area" in msg


def test_box_only_annotations_with_a_mask_pipeline_are_an_error(
        tiny_synthetic_root, tmp_path):
    """A version-1 synthetic json (no polygons) under a mask config."""
    tiny = Copy(tiny_synthetic_root, str(tmp_path / 'v1'))
    for a in tiny.coco['annotations']:
        del a['segmentation']
    with pytest.raises(PreflightError) as e:
        tiny.sniper()
    msg = str(e.value)
    assert 'missing_mask' in msg and tiny.ann_file in msg
    assert f"annotation {tiny.ann(0)['id']}: field 'segmentation' is None" \
        in msg


def test_repaired_polygons_are_kept_and_reach_the_chips(tiny):
    tiny.coco['images'] = tiny.coco['images'][:1]
    img = tiny.img(0)
    tiny.coco['annotations'] = [a for a in tiny.coco['annotations']
                                if a['image_id'] == img['id']]
    w = img['width']
    part = tiny.ann(0, 0)
    # a degenerate extra part and a polygon reaching out of the image
    part['segmentation'].append([1., 1., 2., 2., 3., 3.])
    out = tiny.ann(0, 1)
    out['segmentation'][0][0] = w + 40.
    ds = tiny.sniper()
    assert ds.preflight_report.counts == {'degenerate_part': 1,
                                          'partly_outside_polygon': 1}
    n = len(tiny.coco['annotations'])
    assert len(ds._anns.boxes[0]) == n  # nothing dropped
    seen = 0
    for idx in range(len(ds)):
        sample = ds[idx]['data_samples']
        gt = sample.gt_instances
        assert isinstance(gt.masks, PolygonMasks)
        assert len(gt.masks) == len(gt.bboxes) == len(
            ds.get_chip_info(idx)['chip_valid_inds'])
        h, w_chip = sample.img_shape
        for polys in gt.masks.masks:
            for p in polys:
                xy = p.reshape(-1, 2)
                assert (xy >= 0).all() and (xy <= (w_chip, h)).all()
        seen += len(gt.masks)
    assert seen > 0
