# Copyright (c) mmsniper contributors. All rights reserved.
"""Data samples with chip boxes for FocusPixel tests."""
from typing import Sequence, Tuple

import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData


def focus_sample(boxes: Sequence[Sequence[float]],
                 ignored: Sequence[Sequence[float]] = (),
                 img_shape: Tuple[int, int] = (64, 64)) -> DetDataSample:
    """A chip's sample: ``boxes`` (valid, ``[N, 4]`` x1y1x2y2) as
    ``gt_instances`` and ``ignored`` as ``ignored_instances``, label 0."""
    s = DetDataSample(metainfo=dict(img_shape=img_shape))
    s.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.zeros(len(boxes), dtype=torch.long))
    s.ignored_instances = InstanceData(
        bboxes=torch.tensor(ignored, dtype=torch.float32).reshape(-1, 4),
        labels=torch.zeros(len(ignored), dtype=torch.long))
    return s
