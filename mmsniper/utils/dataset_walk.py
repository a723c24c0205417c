# Copyright (c) mmsniper contributors. All rights reserved.
"""Walk dataset wrappers, built or as configs: the one place that knows
how mmengine's ``ConcatDataset`` (``datasets``), ``RepeatDataset`` /
``ClassBalancedDataset`` / mmdet's ``MultiImageMixDataset`` /
:class:`~mmsniper.datasets.SniperDataset` (``dataset``) nest.

Built datasets: :func:`wrapped_datasets`, :func:`leaf_datasets`,
:func:`locate_sample`, :func:`find_dataset`. Configs (dicts, nothing is
built): :func:`wrapped_cfgs`, :func:`map_dataset_cfg`,
:func:`lazy_dataset_cfg`, :func:`leaf_dataset_cfgs`,
:func:`find_dataset_cfg`.

A built *leaf* is the dataset whose ``pipeline`` makes the samples (an
mmdet ``BaseDetDataset``); Concat / Repeat / ClassBalanced wrappers have
none (``MultiImageMixDataset`` has its own, so it counts as the leaf). In a
config a leaf is a dict without ``dataset`` / ``datasets``.
"""
import copy
from typing import Callable, List, Optional, Tuple

from mmdet.registry import DATASETS


def wrapped_datasets(dataset) -> list:
    """The datasets ``dataset`` wraps directly (``datasets`` of a
    ``ConcatDataset``, ``dataset`` of the other wrappers); ``[]`` for a
    leaf."""
    inner = getattr(dataset, 'datasets', None)
    if isinstance(inner, (list, tuple)):
        return list(inner)
    inner = getattr(dataset, 'dataset', None)
    return [] if inner is None else [inner]


def leaf_datasets(dataset) -> list:
    """The leaf datasets (those with a ``pipeline``) under ``dataset``, in
    order; ``[dataset]`` when it has a pipeline itself, ``[]`` when there is
    none."""
    if hasattr(dataset, 'pipeline'):
        return [dataset]
    return [leaf for d in wrapped_datasets(dataset)
            for leaf in leaf_datasets(d)]


def locate_sample(dataset, idx: int) -> Tuple[object, int]:
    """The leaf dataset (with a ``pipeline``) holding sample ``idx`` of
    ``dataset`` and the sample's index there, through the index maps
    (``_get_ori_dataset_idx``) of mmengine's ``ConcatDataset`` /
    ``RepeatDataset`` / ``ClassBalancedDataset``.

    Raises:
        TypeError: For a wrapper without a pipeline or an index map.
    """
    while not hasattr(dataset, 'pipeline'):
        if hasattr(dataset, 'datasets'):  # ConcatDataset
            ds_idx, idx = dataset._get_ori_dataset_idx(idx)
            dataset = dataset.datasets[ds_idx]
        elif hasattr(dataset, 'dataset') and hasattr(dataset,
                                                     '_get_ori_dataset_idx'):
            idx = dataset._get_ori_dataset_idx(idx)
            dataset = dataset.dataset
        else:
            raise TypeError(
                f'cannot find the pipeline of {type(dataset).__name__}: '
                'wrap an mmdet dataset (BaseDetDataset) or mmengine '
                'ConcatDataset / RepeatDataset / ClassBalancedDataset of '
                'them')
    return dataset, idx


def find_dataset(dataset, cls: type):
    """The first instance of ``cls`` in ``dataset`` (itself, then what it
    wraps, depth first), or None."""
    todo, seen = [dataset], set()
    while todo:
        ds = todo.pop(0)
        if id(ds) in seen:
            continue
        seen.add(id(ds))
        if isinstance(ds, cls):
            return ds
        todo[:0] = wrapped_datasets(ds)
    return None


# ---------------------------------------------------------------- configs
def wrapped_cfgs(cfg: dict) -> List[dict]:
    """The dataset configs ``cfg`` wraps directly (its ``datasets`` list or
    its ``dataset`` dict); ``[]`` for a leaf config."""
    inner = cfg.get('datasets', None)
    if isinstance(inner, (list, tuple)):
        return [d for d in inner if isinstance(d, dict)]
    inner = cfg.get('dataset', None)
    return [inner] if isinstance(inner, dict) else []


def map_dataset_cfg(cfg: dict,
                    leaf_fn: Callable[[dict], dict],
                    wrapper_fn: Optional[Callable[[dict], dict]] = None
                    ) -> dict:
    """A copy of a dataset config with ``leaf_fn`` applied to every leaf
    config and ``wrapper_fn`` (default: none) to every wrapper, whose
    ``dataset`` / ``datasets`` are mapped first. Each function gets a
    shallow copy of its level (of the config's own type, e.g.
    ``ConfigDict``: set keys, do not mutate the values) and returns the new
    dict; ``cfg`` is left as it is. Entries of ``datasets`` that are not
    dicts (built datasets) are kept."""
    out = copy.copy(cfg)
    if isinstance(out.get('datasets', None), (list, tuple)):
        out['datasets'] = [
            map_dataset_cfg(d, leaf_fn, wrapper_fn) if isinstance(d, dict)
            else d for d in out['datasets']
        ]
    elif isinstance(out.get('dataset', None), dict):
        out['dataset'] = map_dataset_cfg(out['dataset'], leaf_fn, wrapper_fn)
    else:
        return leaf_fn(out)
    return out if wrapper_fn is None else wrapper_fn(out)


def _set_lazy(cfg: dict) -> dict:
    cfg['lazy_init'] = True
    return cfg


def lazy_dataset_cfg(cfg: dict) -> dict:
    """A copy of a dataset config with ``lazy_init=True`` on every level,
    so that building it loads no annotations."""
    return map_dataset_cfg(cfg, _set_lazy, _set_lazy)


def leaf_dataset_cfgs(cfg: dict) -> List[dict]:
    """The leaf configs under a dataset config, in order (the dicts
    themselves, not copies)."""
    inner = wrapped_cfgs(cfg)
    if not inner:
        return [cfg]
    return [leaf for d in inner for leaf in leaf_dataset_cfgs(d)]


def cfg_type_is(cfg: dict, cls: type) -> bool:
    """Whether a dataset config's ``type`` (a name in mmdet's
    ``DATASETS`` or a class) is ``cls`` or a subclass."""
    t = cfg.get('type', None)
    t = DATASETS.get(t) if isinstance(t, str) else t
    return isinstance(t, type) and issubclass(t, cls)


def find_dataset_cfg(cfg: dict, cls: type) -> Optional[dict]:
    """The first config of type ``cls`` (or a subclass) in a dataset
    config (itself, then what it wraps, depth first; the dict itself), or
    None."""
    if cfg_type_is(cfg, cls):
        return cfg
    for inner in wrapped_cfgs(cfg):
        found = find_dataset_cfg(inner, cls)
        if found is not None:
            return found
    return None
