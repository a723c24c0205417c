# Copyright (c) mmsniper contributors. All rights reserved.
"""The COCO dataset class of the synthetic set
(:mod:`mmsniper.datasets.synthetic_dataset`)."""
import json
import os.path as osp

from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS

import mmsniper.datasets  # noqa: F401  (registers the dataset)
from mmsniper.datasets.synthetic import CLASS_NAMES, CLASSES
from mmsniper.datasets.synthetic_dataset import SyntheticScaleDataset


def test_metainfo_is_the_synthetic_classes():
    assert issubclass(SyntheticScaleDataset, CocoDataset)
    meta = SyntheticScaleDataset.METAINFO
    assert meta['classes'] == CLASS_NAMES == (
        'red_disk', 'blue_square', 'green_triangle', 'yellow_cross',
        'purple_hexagon')
    assert meta['palette'][0] == (225, 40, 40)  # RGB of red_disk
    assert meta['palette'] == [rgb for _, rgb in CLASSES]


def test_synthetic_scale_dataset(tiny_synthetic_root):
    root = tiny_synthetic_root
    dataset = DATASETS.build(
        dict(
            type='SyntheticScaleDataset',
            data_root=root,
            ann_file='annotations/instances_val.json',
            data_prefix=dict(img='val/'),
            pipeline=[]))
    assert isinstance(dataset, SyntheticScaleDataset)
    with open(osp.join(root, 'annotations', 'instances_val.json')) as f:
        coco = json.load(f)
    assert len(dataset) == len(coco['images']) == 4
    assert dataset.metainfo['classes'] == CLASS_NAMES
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        anns = [a for a in coco['annotations']
                if a['image_id'] == info['img_id']]
        assert len(info['instances']) == len(anns)
        assert info['img_path'].startswith(osp.join(root, 'val'))
        # category ids 1..5 become labels 0..4, boxes x1y1x2y2
        x, y, w, h = anns[0]['bbox']
        assert info['instances'][0]['bbox'] == [x, y, x + w, y + h]
        assert info['instances'][0]['bbox_label'] == \
            anns[0]['category_id'] - 1
