"""TileDataset: the tile list, kept / clipped / dropped boxes of a sample,
several scales, empty tiles."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.datasets import TileDataset
from mmsniper.testing.sniper_toy import (chip_pipeline, toy_dataset_cfg,
                                         write_toy_coco)

init_default_scope('mmdet')

IMAGES = [
    # tiles of 64 px with 20 % overlap: x starts 0, 52, 96; y 0, 36
    dict(
        w=160,
        h=100,
        boxes=[
            [4, 4, 20, 20],  # inside the first tile only
            [40, 10, 80, 30],  # 60 % in tile (0, 0), 70 % in (52, 0)
            [60, 70, 63, 74],  # tiny, kept as any other box
        ],
        labels=[0, 1, 0]),
    dict(w=160, h=100, boxes=[]),
]


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('tiles'))
    write_toy_coco(root, IMAGES)
    return root


def _dataset(root, **kw):
    pipe = chip_pipeline()
    pipe[2]['min_box_side'] = 0  # every kept box is trained
    return TileDataset(toy_dataset_cfg(root, pipe),
                       **dict(dict(tile_size=64, overlap=0.2), **kw))


def test_tile_list_covers_every_image(root):
    ds = _dataset(root)
    assert len(ds) == 2 * 3 * 2  # 2 images x 3 columns x 2 rows
    assert ds.stats['tiles_per_image'] == 6
    assert ds.stats['pixels_per_image'] == 6 * 64 * 64  # content pixels
    first = ds.get_data_info(0)
    assert first['chip'].tolist() == [0, 0, 64, 64]
    assert first['chip_factor'] == 1.0 and first['chip_size'] == 64
    assert 'TileDataset(' in repr(ds)


def test_sample_boxes_clipped_and_truncated_by_the_ratio(root):
    ds = _dataset(root, min_area_ratio=0.65)
    # tile (0, 0): the first box whole; the second one (60 % inside) dropped
    s = ds[0]['data_samples']
    assert s.gt_instances.bboxes.tensor.tolist() == [[4, 4, 20, 20]]
    assert len(s.ignored_instances) == 0
    # tile (52, 0): the second box (70 % inside) clipped to the tile
    info = ds.get_data_info(1)
    assert info['chip'].tolist() == [52, 0, 116, 64]
    s = ds[1]['data_samples']
    assert s.gt_instances.bboxes.tensor.tolist() == [[0, 10, 28, 30]]
    assert s.gt_instances.labels.tolist() == [1]
    assert tuple(ds[1]['inputs'].shape) == (3, 64, 64)
    # at SAHI's 0.1 both tiles train on the second box
    assert len(_dataset(root)[0]['data_samples'].gt_instances) == 2


def test_scales_and_empty_tiles(root):
    ds = _dataset(root, scales=(1.0, 0.5), keep_empty=False)
    # the half-size image (80 x 50) is 2 x 1 tiles; the box-less image and
    # the box-less tiles are gone
    assert ds.stats['tiles_per_scale'] == [4, 2]
    info = ds.get_data_info(len(ds) - 1)
    assert info['chip_factor'] == 0.5 and info['chip_scale_idx'] == 1
    assert info['chip'].tolist() == [32, 0, 160, 100]
    s = ds[len(ds) - 1]['data_samples']
    assert s.metainfo['scale_factor'] == (0.5, 0.5)
    with pytest.raises(ValueError, match='tile_size'):
        _dataset(root, tile_size=0)
