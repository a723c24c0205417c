# Copyright (c) mmsniper contributors. All rights reserved.
"""Cost of the dataset pre-flight check against one SNIPER training epoch.

    python tools/analysis/benchmark_preflight.py [--iters 10]

On the synthetic ``bench`` preset (generated into ``--data-root`` when
absent, train split only) with the SNIPER config's training data:

- the check (:func:`mmsniper.datasets.preflight.check_dataset` on the
  wrapped dataset, header reads, no decoding): first run and median of
  ``--repeats`` runs; plus the construction of the ``SniperDataset`` with
  and without the check;
- one epoch of training, *estimated*: the mean time of ``--iters``
  training iterations (data loading + forward + backward + step, after
  ``--warmup`` iterations, ``--threads`` torch threads) times the
  iterations of epoch 0 (its chip count / the batch size).

Prints the ratio check / epoch (the target is <= 2%).
"""
import argparse
import json
import math
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

CONFIG = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', default=CONFIG, help='SNIPER config')
    p.add_argument('--data-root', default='data/synthetic/bench/',
                   help='bench preset folder (generated when absent)')
    p.add_argument('--iters', type=int, default=10,
                   help='timed training iterations')
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--repeats', type=int, default=5,
                   help='runs of the check (median reported)')
    p.add_argument('--threads', type=int, default=1, help='torch threads')
    p.add_argument('--out', default=None, help='write the numbers (json)')
    return p.parse_args(argv)


def _timed(fn, repeats: int):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from mmdet.registry import DATASETS, MODELS

    import mmsniper  # noqa: F401
    from mmsniper.datasets.preflight import check_dataset
    from mmsniper.datasets import SniperDataset
    from mmsniper.utils.dataset_walk import lazy_dataset_cfg, leaf_datasets
    from mmsniper.datasets.synthetic import generate_dataset

    root = args.data_root.rstrip('/') + '/'
    if not osp.isfile(osp.join(root, 'annotations/instances_train.json')):
        generate_dataset(root, preset='bench', splits=['train'])
    from mmsniper.engine import resolve_sniper_block
    cfg = resolve_sniper_block(Config.fromfile(args.config))
    init_default_scope('mmdet')
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.dataset.data_root = root
    inner = ds_cfg.dataset.to_dict()

    # -- the check alone, on a lazily built wrapped dataset
    leaf = leaf_datasets(DATASETS.build(lazy_dataset_cfg(inner)))[0]
    check_s, report = _timed(lambda: check_dataset(leaf), args.repeats)
    # -- SniperDataset construction with / without it
    sniper_kw = {k: v for k, v in ds_cfg.to_dict().items()
                 if k not in ('type', 'dataset')}
    build_on, ds = _timed(
        lambda: SniperDataset(dict(inner), **sniper_kw), 1)
    build_off, _ = _timed(
        lambda: SniperDataset(dict(inner), **dict(sniper_kw,
                                                  preflight=False)), 1)

    # -- training iterations
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    data_iter = iter(loader)
    iter_s = []
    for i in range(args.warmup + args.iters):
        t = time.perf_counter()
        model.train_step(next(data_iter), optim)
        if i >= args.warmup:
            iter_s.append(time.perf_counter() - t)
    batch = cfg.train_dataloader.batch_size
    chips = len(ds)
    epoch_iters = math.ceil(chips / batch)
    per_iter = statistics.mean(iter_s)
    epoch_s = per_iter * epoch_iters
    check = statistics.median(check_s)
    res = dict(
        images=report.num_images, annotations=report.num_annotations,
        problems=report.counts, check_first_s=check_s[0],
        check_median_s=check, check_runs=len(check_s),
        sniper_build_with_check_s=build_on[0],
        sniper_build_without_check_s=build_off[0],
        iters_timed=len(iter_s), s_per_iter=per_iter, batch_size=batch,
        epoch0_chips=chips, epoch_iters=epoch_iters, epoch_s_est=epoch_s,
        ratio=check / epoch_s, threads=args.threads)
    print(f'\ndata: {root} ({res["images"]} images, {res["annotations"]} '
          f'annotations; problems found: {res["problems"] or "none"})')
    print(f'pre-flight check: {check * 1e3:.1f} ms (median of '
          f'{len(check_s)}; first run {check_s[0] * 1e3:.1f} ms); '
          f'SniperDataset built in {build_on[0]:.2f} s with it, '
          f'{build_off[0]:.2f} s without')
    print(f'training: {per_iter:.2f} s/iteration (mean of {len(iter_s)} '
          f'after {args.warmup} warm-up, {args.threads} thread(s), batch '
          f'{batch}); epoch 0 has {chips} chips = {epoch_iters} iterations '
          f'-> one epoch ~ {epoch_s / 60:.1f} min (estimated: s/iteration x '
          'iterations)')
    print(f'check / epoch = {100 * res["ratio"]:.4f}% (target <= 2%)')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
