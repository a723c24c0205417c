# Copyright (c) mmsniper contributors. All rights reserved.
"""A writable copy of a synthetic split, for tests that break its
annotations (the pre-flight checks)."""
import json
import os
import os.path as osp
import shutil


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
