# Copyright (c) mmsniper contributors. All rights reserved.
"""Rasterise COCO polygons as ``pycocotools`` does, for the mask tests."""
from typing import Sequence

import numpy as np


def coco_polygon_mask(segm: Sequence[Sequence[float]], h: int,
                      w: int) -> np.ndarray:
    """bool ``[h, w]`` union of the flat polygons ``segm`` (pixel centres
    inside, ``pycocotools``' rule)."""
    import pycocotools.mask as mask_utils
    rles = mask_utils.frPyObjects([list(map(float, p)) for p in segm], h, w)
    return mask_utils.decode(mask_utils.merge(rles)).astype(bool)
