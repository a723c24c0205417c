# Copyright (c) mmsniper contributors. All rights reserved.
"""The annotation table of :class:`~mmsniper.datasets.SniperDataset`:
:class:`ImageAnns`, what the chips of every epoch are generated from.

Shape shorthands: ``I`` images, ``N_i`` boxes of image ``i``.
"""
from typing import Callable, Hashable, List, Optional

import numpy as np


class ImageAnns:
    """Boxes, ignore flags and sizes of every image, read once from the
    wrapped dataset's annotations (no image is loaded). ``plan(i, info)``
    returns the repaired ``info`` and whether image ``i`` is dropped (then
    it has no boxes: no chips).

    Attributes:
        img_ids (list): ``img_id`` of each image (its index if none).
        shapes (np.ndarray): int64 ``[I, 2]``, ``(height, width)``.
        boxes (list[np.ndarray]): float32 ``[N_i, 4]`` xyxy per image.
        ignore (list[np.ndarray]): bool ``[N_i]`` ``ignore_flag`` per image.
    """

    def __init__(self, dataset, plan: Optional[Callable] = None) -> None:
        self.img_ids: List[Hashable] = []
        self.shapes = np.zeros((len(dataset), 2), dtype=np.int64)
        self.boxes: List[np.ndarray] = []
        self.ignore: List[np.ndarray] = []
        for i in range(len(dataset)):
            info, dropped = (dataset.get_data_info(i), False)
            if plan is not None:
                info, dropped = plan(i, info)
            if 'height' not in info or 'width' not in info:
                raise KeyError(
                    f'SniperDataset needs the image size in the annotations '
                    f'("height" and "width" of data_info); image '
                    f'{info.get("img_id", i)!r} has keys {sorted(info)}')
            self.img_ids.append(info.get('img_id', i))
            self.shapes[i] = int(info['height']), int(info['width'])
            inst = [] if dropped else info.get('instances', [])
            self.boxes.append(
                np.array([x['bbox'] for x in inst],
                         dtype=np.float32).reshape(-1, 4))
            self.ignore.append(
                np.array([bool(x.get('ignore_flag', 0)) for x in inst],
                         dtype=bool))

    def __len__(self) -> int:
        return len(self.img_ids)
