# Copyright (c) mmsniper contributors. All rights reserved.
"""The evaluation side of ``benchmark_training.py``: an arm's config with
``--data-root``, the val subset it is scored on, and the SNIPER pyramid test
(``tools/test.py --tta``) of a checkpoint with COCO bbox metrics and false
positives."""
import json
import os.path as osp
import time

from false_positives import false_positive_stats
from training_report import FP_SCORE


def load_cfg(args):
    """CONFIG with its ``sniper`` block resolved and ``--data-root``."""
    from mmsniper.apis.tool_helpers import load_config
    cfg = load_config(args.config, work_dir=args.work_dir)
    if args.data_root:
        root = args.data_root.rstrip('/') + '/'
        cfg.train_dataloader.dataset.dataset.data_root = root
        cfg.test_dataloader.dataset.data_root = root
    return cfg


def data_root_of(cfg) -> str:
    return cfg.train_dataloader.dataset.dataset.data_root


def val_subset(args, cfg) -> str:
    """The first ``--val-images`` images of the val split as a COCO json in
    the work dir (CocoMetric evaluates every image of its ann_file)."""
    src = osp.join(data_root_of(cfg), 'annotations', 'instances_val.json')
    with open(src) as f:
        coco = json.load(f)
    if args.val_images > 0:
        imgs = coco['images'][:args.val_images]
        ids = {im['id'] for im in imgs}
        coco = dict(coco, images=imgs, annotations=[
            a for a in coco['annotations'] if a['image_id'] in ids])
    out = osp.abspath(osp.join(args.work_dir, 'val_subset.json'))
    with open(out, 'w') as f:
        json.dump(coco, f)
    return out


def evaluate(args, ckpt: str, ann_file: str, prefix: str) -> dict:
    """SNIPER pyramid test of ``ckpt`` (``tools/test.py --tta``) on
    ``ann_file``'s images: COCO bbox metrics and false positives."""
    from mmdet.registry import RUNNERS
    from mmengine.runner import Runner
    from mmsniper.apis import tta_config
    cfg = tta_config(load_cfg(args))
    cfg.load_from = ckpt
    cfg.work_dir = osp.join(args.work_dir, 'eval')
    ds = cfg.test_dataloader.dataset
    ds.ann_file, ds.data_prefix = ann_file, dict(img='val/')
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    evaluators = cfg.test_evaluator if isinstance(
        cfg.test_evaluator, list) else [cfg.test_evaluator]
    for ev in evaluators:
        if ev['type'].endswith('CocoMetric'):
            ev.ann_file, ev.outfile_prefix = ann_file, prefix
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1000)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)
    t = time.perf_counter()
    metrics = runner.test()
    out = {k.split('/')[-1]: round(float(v), 4) for k, v in metrics.items()
           if k.startswith('coco/bbox_mAP')}
    out['pixels_mpix_per_img'] = metrics.get('pixels/mpix_per_img')
    with open(ann_file) as f:
        gt = json.load(f)
    with open(prefix + '.bbox.json') as f:
        dets = json.load(f)
    stats = false_positive_stats(gt, dets, [FP_SCORE])[f'{FP_SCORE:g}']
    out['fp_per_image'] = round(stats['fp_per_image'], 3)
    out['fp_inside_larger_frac'] = round(stats['inside_larger_frac'], 3)
    out['val_images'] = len(gt['images'])
    out['eval_s'] = round(time.perf_counter() - t, 1)
    return out
