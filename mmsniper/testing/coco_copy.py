# Copyright (c) mmsniper contributors. All rights reserved.
"""A writable copy of a synthetic split, for tests that break its
annotations (the pre-flight checks): :class:`CocoSplitCopy`, and
:class:`TinyCopy` with the builders of the pre-flight tests."""
import json
import os
import os.path as osp
import shutil
from typing import Tuple


class CocoSplitCopy:
    """The ``train`` images and annotations of a synthetic dataset at
    ``src`` copied to ``dst``; ``coco`` is the json to edit, :meth:`write`
    saves it as ``dst/annotations/train.json``."""

    def __init__(self, src: str, dst: str) -> None:
        self.root = dst
        shutil.copytree(osp.join(src, 'train'), osp.join(dst, 'train'))
        os.makedirs(osp.join(dst, 'annotations'))
        with open(osp.join(src, 'annotations', 'instances_train.json')) as f:
            self.coco = json.load(f)
        self.ann_file = osp.join(dst, 'annotations', 'train.json')

    def write(self) -> str:
        """Save ``coco``; returns the annotation file."""
        with open(self.ann_file, 'w') as f:
            json.dump(self.coco, f)
        return self.ann_file

    def img(self, k: int = 0) -> dict:
        """The ``k``-th image entry."""
        return self.coco['images'][k]


class TinyCopy(CocoSplitCopy):
    """A writable copy of the ``tiny`` preset's train split (written at
    once), with the views and builders of the pre-flight tests."""

    def __init__(self, src: str, dst: str) -> None:
        super().__init__(src, dst)
        self.write()

    def path(self, k: int = 0) -> str:
        """Image file of image ``k``."""
        return osp.join(self.root, 'train', self.img(k)['file_name'])

    def real_wh(self, k: int = 0) -> Tuple[int, int]:
        """``(w, h)`` of image ``k`` decoded, as mmcv does."""
        import cv2
        h, w = cv2.imread(self.path(k)).shape[:2]
        return w, h

    def anns(self, k: int = 0) -> list:
        """The annotations of image ``k``."""
        return [a for a in self.coco['annotations']
                if a['image_id'] == self.img(k)['id']]

    def add_box(self, bbox, k: int = 0, first: bool = False, **kw) -> int:
        """Add a box to image ``k`` (before its others with ``first``);
        returns its annotation id."""
        ann_id = max(a['id'] for a in self.coco['annotations']) + 1
        ann = dict(id=ann_id, image_id=self.img(k)['id'], bbox=list(bbox),
                   area=float(bbox[2] * bbox[3]), category_id=1, iscrowd=0)
        ann.update(kw)
        anns = self.coco['annotations']
        pos = anns.index(self.anns(k)[0]) if first else len(anns)
        anns.insert(pos, ann)
        return ann_id

    def check(self, **options):
        """:func:`~mmsniper.datasets.preflight.check_coco` of the copy."""
        from ..datasets.preflight import check_coco
        return check_coco(self.write(), osp.join(self.root, 'train'),
                          options=options)

    def dataset_cfg(self) -> dict:
        """A ``SyntheticScaleDataset`` config of the copy (saved first)."""
        from .sniper_toy import chip_pipeline
        self.write()
        return dict(type='SyntheticScaleDataset', data_root=self.root + '/',
                    ann_file='annotations/train.json',
                    data_prefix=dict(img='train/'),
                    filter_cfg=dict(filter_empty_gt=False),
                    pipeline=chip_pipeline())

    def sniper(self, **kw):
        """A ``SniperDataset`` over the copy."""
        from ..datasets import SniperDataset
        from .sniper_toy import SYN_CHIP_CFG
        return SniperDataset(self.dataset_cfg(), chip_cfg=SYN_CHIP_CFG, **kw)

    def sniper_error(self, *needles: str, **kw) -> str:
        """The ``PreflightError`` text of :meth:`sniper` (``kw``), which
        must hold every needle."""
        from ..datasets.preflight import PreflightError
        try:
            self.sniper(**kw)
        except PreflightError as e:
            msg = str(e)
        else:
            raise AssertionError('SniperDataset raised no PreflightError')
        for n in needles:
            assert n in msg, (n, msg)
        return msg
