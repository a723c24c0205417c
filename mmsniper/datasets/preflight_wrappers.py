# Copyright (c) mmsniper contributors. All rights reserved.
"""The pre-flight check on dataset configs and wrapped datasets (walked by
:mod:`mmsniper.utils.dataset_walk`), and the guard that lets mmdet's COCO
parsing skip what the check rejects."""
from typing import Callable, Optional

from mmdet.registry import DATASETS

from ..utils.dataset_walk import cfg_type_is, lazy_dataset_cfg, leaf_datasets
from .preflight import check_dataset


def guard_parse(leaf, report) -> bool:
    """Let a COCO leaf load what mmdet would crash on, so that the
    pre-flight verdicts can drop it: images without ``width``/``height``
    get 1 x 1 (the image is dropped anyway), annotations without a usable
    ``bbox``/``area`` are removed (``skip_anns``). Wraps the instance's
    ``parse_data_info`` until :meth:`SniperDataset.full_init` removes it;
    returns whether it did."""
    skip = report.skip_anns
    no_size = {i for i, r in report.bad_images.items() if 'missing_size' in r}
    if not (skip or no_size) or getattr(leaf, '_fully_initialized', True) \
            or not hasattr(leaf, 'parse_data_info'):
        return False
    parse = leaf.parse_data_info

    def guarded(raw: dict):
        img = raw['raw_img_info']
        iid = img.get('img_id')
        if iid in no_size:
            img = dict(img, width=1, height=1)
        anns = [a for k, a in enumerate(raw['raw_ann_info'])
                if k not in skip.get(iid, ())]
        return parse(dict(raw, raw_img_info=img, raw_ann_info=anns))

    leaf.parse_data_info = guarded
    return True


def preflight_dataset_cfg(cfg: dict,
                          options: Optional[dict] = None,
                          progress: Optional[Callable] = None) -> list:
    """Run the pre-flight check on the dataset(s) of a dataset config
    without loading them (``tools/misc/check_dataset.py``).

    Args:
        cfg (dict): A dataset config; ``SniperDataset``, ``ConcatDataset``,
            ``RepeatDataset``-style wrappers are unwrapped to their leaf
            datasets, built with ``lazy_init=True``.
        options (dict, optional): Pre-flight options; they win over the
            ``preflight`` options of a ``SniperDataset`` config.
        progress (callable, optional): See
            :func:`~mmsniper.datasets.preflight.check_coco`.

    Returns:
        list[PreflightReport]: One report per leaf dataset.
    """
    from .sniper_dataset import SniperDataset
    opts = {}
    if cfg_type_is(cfg, SniperDataset):
        if isinstance(cfg.get('preflight'), dict):
            opts.update(cfg['preflight'])
        cfg = cfg['dataset']
    opts.update(options or {})
    dataset = DATASETS.build(lazy_dataset_cfg(cfg))
    return [
        check_dataset(leaf, opts, progress) for leaf in leaf_datasets(dataset)
    ]
