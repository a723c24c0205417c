"""PackChipInputs: PackDetInputs with the chip meta keys by default."""
import numpy as np
import torch
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes

import mmsniper  # noqa: F401
from mmsniper.datasets.transforms import CHIP_META_KEYS, SnipChipCrop


def _chip_results():
    return dict(
        img=np.zeros((64, 64, 3), np.uint8), img_id=3, img_path='a.jpg',
        ori_shape=(64, 64), img_shape=(64, 64),
        gt_bboxes=HorizontalBoxes(torch.tensor([[2., 2., 30., 30.],
                                                [40., 40., 62., 62.]])),
        gt_bboxes_labels=np.zeros(2, np.int64),
        gt_ignore_flags=np.zeros(2, bool),
        chip=np.array([0, 0, 64, 64], np.float32), chip_factor=0.5,
        chip_scale_idx=1, chip_valid_inds=np.array([0], np.int64))


def test_chip_keys_packed_and_ignored_boxes_apart():
    out = SnipChipCrop(chip_size=32)(_chip_results())
    packed = TRANSFORMS.build(dict(type='PackChipInputs'))(out)
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 32, 32)
    for key in ('chip', 'chip_factor', 'chip_scale_idx',
                'chip_focus_bboxes', 'img_id', 'scale_factor'):
        assert key in sample.metainfo, key
    assert sample.chip_scale_idx == 1 and sample.chip_factor == 0.5
    assert len(sample.gt_instances) == 1  # the valid box
    assert len(sample.ignored_instances) == 1  # the other one, invalid here


def test_meta_keys_default_and_extra():
    t = TRANSFORMS.build(dict(type='PackChipInputs'))
    assert t.meta_keys == CHIP_META_KEYS
    t = TRANSFORMS.build(dict(type='PackChipInputs',
                              extra_meta_keys=('pad_shape', 'chip')))
    assert t.meta_keys == CHIP_META_KEYS + ('pad_shape', )
    assert 'PackChipInputs(meta_keys=' in repr(t)
