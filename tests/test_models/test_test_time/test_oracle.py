# Copyright (c) mmsniper contributors. All rights reserved.
"""OracleAutoFocusDetector: FocusChips from the ground truth."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from mmsniper.models.test_time import OracleAutoFocusDetector


def _sample(h, w, boxes):
    s = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                                    img_id=0, img_path='x.png'))
    s.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.zeros(len(boxes), dtype=torch.long))
    return s


def _oracle(focus_cfg, **kw):
    af = dict(
        scales=[0.25, 1.0],
        valid_ranges=None,
        focus=[dict(dilation=1, threshold=0.5, min_chip_cells=2)],
        nms=dict(type='nms', iou_threshold=0.5))
    af.update(kw)
    return OracleAutoFocusDetector(module=focus_cfg, autofocus_cfg=af).eval()


def test_chips_around_small_objects_only(focus_cfg):
    """A small object (a FocusPixel by the head's rule at the coarse
    scale) gets a chip around it, a large one none, and an image without
    boxes no finer scale."""
    torch.manual_seed(0)
    model = _oracle(focus_cfg)
    h, w = 640, 640
    img = torch.randint(0, 255, (3, h, w), dtype=torch.uint8)
    # at factor 0.25: the small box is 30x30 -> FocusPixel (5 < 30 < 64);
    # the large box is 100x100 -> paints nothing (>= dc_high 90)
    small = [400., 80., 520., 200.]
    large = [0., 240., 400., 640.]
    out = model.predict_images([img], [_sample(h, w, [small, large])])[0]
    chips = out.focus_chips[1]
    assert len(chips) == 1
    x1, y1, x2, y2 = chips[0]
    assert x1 <= small[0] and y1 <= small[1]
    assert x2 >= small[2] and y2 >= small[3]
    # the chip stays away from the large object's centre
    assert not (x1 <= 200 <= x2 and y1 <= 440 <= y2)
    out = model.predict_images([img], [_sample(h, w, [])])[0]
    assert len(out.focus_chips[1]) == 0
    assert out.pixels_per_scale[1] == 0


def test_needs_ground_truth(focus_cfg):
    model = _oracle(focus_cfg)
    s = DetDataSample(metainfo=dict(img_shape=(64, 64), ori_shape=(64, 64)))
    with pytest.raises(ValueError, match='LoadAnnotations'):
        model.predict_images([torch.zeros((3, 64, 64), dtype=torch.uint8)],
                             [s])
