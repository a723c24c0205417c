# Copyright (c) mmsniper contributors. All rights reserved.
"""A chip's ground truth as a detector's head receives it, for the tests of
SNIPER's ignore rule."""
from typing import List, Sequence, Tuple

import numpy as np
import torch
from mmdet.datasets.transforms import PackDetInputs
from mmdet.models.utils import unpack_gt_instances
from mmdet.models.utils.misc import samplelist_boxtype2tensor
from mmdet.structures.bbox import HorizontalBoxes

from ..datasets.transforms import SnipChipCrop


def chip_gt(boxes: Sequence[Sequence[float]],
            valid_inds: Sequence[int],
            chip_size: int = 256) -> Tuple[list, list, List[dict]]:
    """``(batch_gt_instances, batch_gt_instances_ignore, batch_img_metas)``
    of one ``chip_size`` square chip (factor 1, at the image origin) whose
    boxes (``[N, 4]`` x1y1x2y2, labels ``0..N-1``) are valid at
    ``valid_inds`` and invalid otherwise, through the whole data path:
    SnipChipCrop -> PackDetInputs -> the preprocessor's box conversion ->
    ``unpack_gt_instances``."""
    n = len(boxes)
    res = dict(
        img=np.zeros((chip_size, chip_size, 3), np.uint8),
        img_shape=(chip_size, chip_size),
        ori_shape=(chip_size, chip_size),
        img_id=0,
        gt_bboxes=HorizontalBoxes(torch.tensor(boxes, dtype=torch.float32)),
        gt_bboxes_labels=np.arange(n),
        gt_ignore_flags=np.zeros(n, bool),
        chip=np.array([0, 0, chip_size, chip_size], np.float32),
        chip_factor=1.0,
        chip_valid_inds=np.array(valid_inds, np.int64))
    res = SnipChipCrop(chip_size=chip_size)(res)
    sample = PackDetInputs()(res)['data_samples']
    sample.set_metainfo(dict(pad_shape=(chip_size, chip_size),
                             batch_input_shape=(chip_size, chip_size)))
    samplelist_boxtype2tensor([sample])  # as DetDataPreprocessor does
    return unpack_gt_instances([sample])
