# Copyright (c) mmsniper contributors. All rights reserved.
"""COCO-format dataset class of the built-in synthetic multi-scale set."""
from mmdet.datasets import CocoDataset
from mmdet.registry import DATASETS

from .synthetic.render import CLASSES


@DATASETS.register_module()
class SyntheticScaleDataset(CocoDataset):
    """The synthetic multi-scale detection dataset (5 shape classes).

    A plain :class:`CocoDataset` with the synthetic classes and palette as
    ``METAINFO``, so configs need no ``metainfo``. Generate the data with
    ``python tools/misc/generate_synthetic.py --preset quickstart`` (or
    :func:`mmsniper.datasets.synthetic.generate_dataset`).

    Examples:
        >>> train_dataloader = dict(dataset=dict(
        ...     type='SyntheticScaleDataset',
        ...     data_root='data/synthetic/quickstart/',
        ...     ann_file='annotations/instances_train.json',
        ...     data_prefix=dict(img='train/'),
        ...     pipeline=train_pipeline))
    """

    METAINFO = {
        'classes': tuple(name for name, _ in CLASSES),
        'palette': [rgb for _, rgb in CLASSES],
    }
