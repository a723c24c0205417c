# Copyright (c) mmsniper contributors. All rights reserved.
"""Where ``chip_stats.py``'s inputs come from: the chip parameters (command
line, else a config's training ``SniperDataset``, else
:func:`~mmsniper.chips.generate_chips`'s defaults) and the image records of
a COCO json as training's pre-flight check leaves them."""
import copy
import inspect

import numpy as np

#: ``generate_chips`` arguments a ``SniperDataset`` ``chip_cfg`` may set and
#: ``chip_stats`` takes.
CHIP_KEYS = ('scales', 'valid_ranges', 'chip_size', 'stride', 'prune',
             'coarsest_whole_image', 'min_box_side', 'backend')


def read_config(path, cfg_options=None):
    """The chip parameters, json and image folder of a config's training
    ``SniperDataset``.

    The dataset is built as training builds it (the config's ``sniper``
    block resolved, ``lazy_init=True``: no annotation is loaded, no chip
    generated), so its ``chip_cfg`` is the one training uses.

    Returns:
        tuple[dict, str | None, str | None]: The ``chip_cfg`` keys of
        :data:`CHIP_KEYS` it sets, the json and the image folder (None when
        the wrapped dataset has none).

    Raises:
        ValueError: When the training dataset is not a ``SniperDataset``.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmdet.registry import DATASETS
    from mmsniper.datasets import SniperDataset
    from mmsniper.engine import resolve_sniper_block
    from mmsniper.utils.dataset_walk import find_dataset, leaf_datasets
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    resolve_sniper_block(cfg)  # the `sniper` block, as the runner does
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg['lazy_init'] = True
    sniper = find_dataset(DATASETS.build(ds_cfg), SniperDataset)
    if sniper is None:
        raise ValueError(f'the training dataset of {path} is not a '
                         'SniperDataset (no chip_cfg to read)')
    chip_cfg = {k: v for k, v in sniper.chip_cfg.items() if k in CHIP_KEYS}
    leaves = leaf_datasets(sniper.dataset)
    leaf = leaves[0] if leaves else None
    ann_file = getattr(leaf, 'ann_file', None) or None
    img_dir = (getattr(leaf, 'data_prefix', None) or {}).get('img')
    return chip_cfg, ann_file, img_dir


def chip_params(args, config_chip_cfg=None) -> dict:
    """The chip parameters: the command line's, else the config's, else
    :func:`~mmsniper.chips.generate_chips`'s defaults."""
    from mmsniper.chips import generate_chips
    sig = inspect.signature(generate_chips).parameters
    params = {k: sig[k].default for k in CHIP_KEYS}
    params.update(config_chip_cfg or {})
    if args.scales is not None:
        params['scales'] = tuple(float(v) for v in args.scales.split(','))
    if args.valid_ranges is not None:
        params['valid_ranges'] = tuple(
            tuple(float(x) for x in r.split(':'))
            for r in args.valid_ranges.split(','))
    if args.chip_size is not None:
        params['chip_size'] = args.chip_size
    if args.stride is not None:
        params['stride'] = parse_stride(args.stride)
    if args.no_prune:
        params['prune'] = False
    params['scales'] = tuple(params['scales'])
    params['valid_ranges'] = tuple(tuple(r) for r in params['valid_ranges'])
    return params


def load_checked_records(ann_file):
    """Image records (see :mod:`mmsniper.chips.stats`) of a COCO json as
    training sees them, and the pre-flight report: the annotations the
    check drops (``dropped_anns``, mmdet's silent drops and NaN/inf) are
    left out and images without a usable size skipped."""
    from mmsniper.chips.stats import read_coco_json
    from mmsniper.datasets.preflight import check_coco
    coco = read_coco_json(ann_file)
    report = check_coco(coco, options=dict(check_images=False))
    report.source = ann_file
    per_img = {}
    for ann in coco['annotations']:
        per_img.setdefault(ann.get('image_id'), []).append(ann)
    records = []
    for img in coco['images']:
        if img['id'] in report.bad_images:
            continue
        gone = report.dropped_anns.get(img['id'], ())
        anns = [a for k, a in enumerate(per_img.get(img['id'], []))
                if k not in gone]
        boxes = np.array([a['bbox'] for a in anns],
                         dtype=np.float64).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        records.append(
            dict(id=img['id'], file_name=img.get('file_name', ''),
                 height=int(img['height']), width=int(img['width']),
                 bboxes=boxes,
                 ignore=np.array([bool(a.get('iscrowd', 0)) for a in anns],
                                 dtype=bool)))
    return records, report


def parse_stride(text):
    if ':' in text:
        lo, hi = text.split(':')
        return int(lo), int(hi)
    return int(text)
