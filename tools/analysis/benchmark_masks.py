# Copyright (c) mmsniper contributors. All rights reserved.
"""Masks through SNIPER and AutoFocus: bbox and segm mAP, pixels, memory.

1. Trains the CPU AutoFocus Mask R-CNN config (``FocusMaskRCNN`` on SNIPER
   chips of the synthetic set; ``--epochs`` at the quickstart learning
   rate and warm-up) with ``tools/train.py``, or takes ``--checkpoint``.
2. Tests the same weights three ways with ``tools/test.py`` on the first
   ``--test-images`` test images: *single scale* (the config, no
   ``--tta``: the image resized to fit 704 px), *pyramid* (the
   ``*_pyramid-test.py`` leaf: the `sniper` scales on the whole image) and
   *AutoFocus* (``--tta``); each reports COCO bbox and segm mAP (mmdet's
   ``CocoMetric``, ``metric=['bbox', 'segm']``) and processed Mpix per image
   (``ProcessedPixelsMetric``). With ``--af-options`` AutoFocus is also
   tested at another operating point (row ``autofocus_opts``: those
   ``--cfg-options`` added to the ``--tta`` test). ``--split val`` tests
   on the val split instead (to choose an operating point without looking
   at test) and ``--modes`` runs a subset of the tests.
3. Measures peak memory of mask inference against box-only inference on
   one large image (``--memory-mpix``; the tiled aerial photo of
   ``benchmark_huge_images.py``, one fresh process per run, the same
   weights, the wrapper's ``with_mask=False`` for box-only).

Writes ``WORK_DIR/benchmark_masks.json`` and prints markdown tables with
the issue's targets (segm >= 0.8x bbox mAP under the pyramid; AutoFocus
within 1.5 segm mAP of the pyramid at >= 2x fewer pixels; mask peak memory
within 1.5x of box-only).

Example::

    python tools/analysis/benchmark_masks.py --epochs 1 --iters 120 \\
        --test-images 10 --memory-mpix 5 --threads 1
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = ('configs/autofocus/'
                  'autofocus_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py')
MODES = ('single', 'pyramid', 'autofocus')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help='an AutoFocus Mask R-CNN training config (its '
                        '*_pyramid-test.py leaf next to it)')
    parser.add_argument('--checkpoint', help='skip training, use these '
                        'weights')
    parser.add_argument('--data-root', default='data/synthetic/quickstart',
                        help='synthetic set (generated when missing)')
    parser.add_argument('--preset', default='quickstart',
                        help='synthetic preset of --data-root')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_masks')
    parser.add_argument('--epochs', type=int, default=1,
                        help='training epochs (passes over the chips)')
    parser.add_argument('--iters', type=int, default=0,
                        help='cap each epoch at this many iterations of 8 '
                        'chips (SniperDataset epoch_length; 0: all chips)')
    parser.add_argument('--lr', type=float, default=2e-3,
                        help='AdamW lr (the quickstart config\'s)')
    parser.add_argument('--test-images', type=int, default=40,
                        help='first N images of --split (0: all)')
    parser.add_argument('--split', default='test', choices=['test', 'val'],
                        help='the split the tests run on (val: to choose '
                        'an operating point without looking at test)')
    parser.add_argument('--modes', nargs='+', default=list(MODES),
                        choices=list(MODES) + ['autofocus_opts'],
                        help='the tests to run (autofocus_opts, the '
                        '--af-options test, runs whenever --af-options is '
                        'given: "--modes autofocus_opts" runs only that)')
    parser.add_argument('--no-eval', action='store_true',
                        help='skip the mAP tests (memory only)')
    parser.add_argument('--memory-mpix', type=int, default=22,
                        help='Mpix of the memory image (0: skip)')
    parser.add_argument('--memory-modes', nargs='+', default=['pyramid'],
                        choices=['pyramid', 'autofocus'])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--af-options', nargs='+', default=[],
                        metavar='KEY=VALUE',
                        help='also test AutoFocus with these --cfg-options '
                        '(row "autofocus_opts"), e.g. an operating point: '
                        'tta_model.autofocus_cfg.focus.0.threshold=0.05')
    return parser.parse_args(argv)


def _run(args: list, threads: int, log: str) -> float:
    """Run a repository script in a subprocess (this checkout first on the
    path), its output to ``log``; returns the seconds it took."""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS=str(threads))
    start = time.perf_counter()
    with open(log, 'w') as f:
        proc = subprocess.run([sys.executable] + args, cwd=ROOT, env=env,
                              stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{args[0]} failed (exit {proc.returncode}), '
                           f'see {log}:\n{tail}')
    return time.perf_counter() - start


def _data_opts(root: str, n_test: int, split: str = 'test') -> list:
    """``--cfg-options`` pointing the loaders at ``root``; the test loader
    and metric at its ``split`` (first ``n_test`` images, 0: all)."""
    opts = [
        f'train_dataloader.dataset.dataset.data_root={root}/',
        f'val_dataloader.dataset.data_root={root}/',
        f'test_dataloader.dataset.data_root={root}/',
        f'val_evaluator.ann_file={root}/annotations/instances_val.json',
        f'test_evaluator.0.ann_file={root}/annotations/'
        f'instances_{split}.json',
    ]
    if split != 'test':
        opts += [
            f'test_dataloader.dataset.ann_file=annotations/'
            f'instances_{split}.json',
            f'test_dataloader.dataset.data_prefix.img={split}/',
        ]
    if n_test > 0:
        opts.append(f'test_dataloader.dataset.indices={n_test}')
    return opts


def train(args: argparse.Namespace) -> tuple:
    work = osp.join(args.work_dir, 'train')
    os.makedirs(work, exist_ok=True)
    opts = _data_opts(args.data_root, 0) + [
        f'train_cfg.max_epochs={args.epochs}',
        'val_dataloader=None', 'val_cfg=None', 'val_evaluator=None',
        f'optim_wrapper.optimizer.lr={args.lr}',
        'param_scheduler.0.end=50'
    ]
    if args.iters > 0:
        opts.append('train_dataloader.dataset.epoch_length='
                    f'{8 * args.iters}')
    seconds = _run(['tools/train.py', args.config, '--work-dir', work,
                    '--cfg-options'] + opts, args.threads,
                   osp.join(args.work_dir, 'train.log'))
    with open(osp.join(work, 'last_checkpoint')) as f:
        return f.read().strip(), seconds


def evaluate(args: argparse.Namespace, ckpt: str) -> dict:
    leaf = args.config.replace('.py', '_pyramid-test.py')
    runs = dict(single=[args.config], pyramid=[leaf],
                autofocus=[args.config, '--tta'],
                autofocus_opts=[args.config, '--tta'])
    out = {}
    modes = [m for m in MODES if m in args.modes]
    for mode in modes + (['autofocus_opts'] if args.af_options else []):
        metrics = osp.join(args.work_dir, f'{mode}_metrics.json')
        cmd = ['tools/test.py', runs[mode][0], ckpt, '--work-dir',
               osp.join(args.work_dir, mode), '--metrics-out', metrics]
        cmd += runs[mode][1:] + ['--cfg-options'] + _data_opts(
            args.data_root, args.test_images, args.split)
        if mode == 'autofocus_opts':
            cmd += args.af_options
        seconds = _run(cmd, args.threads,
                       osp.join(args.work_dir, f'{mode}_test.log'))
        with open(metrics) as f:
            m = json.load(f)
        out[mode] = dict(
            bbox_mAP=100 * m['coco/bbox_mAP'],
            segm_mAP=100 * m['coco/segm_mAP'],
            bbox_mAP_50=100 * m['coco/bbox_mAP_50'],
            segm_mAP_50=100 * m['coco/segm_mAP_50'],
            mpix_per_img=m.get('pixels/mpix_per_img'),
            seconds=seconds)
    return out


def memory(args: argparse.Namespace, ckpt: str) -> list:
    """Peak RSS of mask and box-only inference (benchmark_huge_images)."""
    records = []
    key = dict(pyramid='tta_cfg', autofocus='autofocus_cfg')
    for mode in args.memory_modes:
        for masks in (True, False):
            out_dir = osp.join(args.work_dir,
                               f'memory_{mode}_{"mask" if masks else "box"}')
            cmd = ['tools/analysis/benchmark_huge_images.py', args.config,
                   '--checkpoint', ckpt, '--sizes', str(args.memory_mpix),
                   '--modes', mode, '--threads', str(args.threads),
                   '--out-dir', out_dir]
            if not masks:
                cmd += ['--cfg-options', f'model.{key[mode]}.with_mask=False']
            _run(cmd, args.threads, out_dir + '.log')
            with open(osp.join(out_dir, 'huge_images.json')) as f:
                rec = json.load(f)['records'][0]
            rec['masks'] = masks
            records.append(rec)
    return records


def report(res: dict) -> None:
    if 'eval' in res:
        report_eval(res['eval'])
    report_memory(res.get('memory', []))


def report_eval(ev: dict) -> None:
    print('| test | bbox mAP | segm mAP | segm / bbox | bbox mAP_50 | '
          'segm mAP_50 | Mpix / image | s |')
    print('|---|---|---|---|---|---|---|---|')
    for mode in ev:
        r = ev[mode]
        pix = r['mpix_per_img']
        print(f"| {mode} | {r['bbox_mAP']:.1f} | {r['segm_mAP']:.1f} | "
              f"{r['segm_mAP'] / max(r['bbox_mAP'], 1e-9):.2f} | "
              f"{r['bbox_mAP_50']:.1f} | {r['segm_mAP_50']:.1f} | "
              f"{pix if pix is None else round(pix, 2)} | "
              f"{r['seconds']:.0f} |")
    if 'pyramid' not in ev:
        return
    pyr = ev['pyramid']
    ratio = pyr['segm_mAP'] / max(pyr['bbox_mAP'], 1e-9)
    print(f'pyramid segm / bbox = {ratio:.2f} (target >= 0.8: '
          f"{'met' if ratio >= 0.8 else 'missed'})")
    for mode in ('autofocus', 'autofocus_opts'):
        if mode not in ev:
            continue
        af = ev[mode]
        fewer = (pyr['mpix_per_img'] or 0) / max(af['mpix_per_img'] or 0,
                                                 1e-9)
        gap = pyr['segm_mAP'] - af['segm_mAP']
        print(f'{mode}: segm {gap:+.1f} below the pyramid at {fewer:.2f}x '
              f"fewer pixels (target <= 1.5 at >= 2x: "
              f"{'met' if gap <= 1.5 and fewer >= 2 else 'missed'})")


def report_memory(mem: list) -> None:
    if mem:
        print('| mode | masks | Mpix | s | baseline GB | peak GB | '
              'peak - baseline GB | detections |')
        print('|---|---|---|---|---|---|---|---|')
        for r in mem:
            print(f"| {r['mode']} | {r['masks']} | {r['mpix']:.1f} | "
                  f"{r['seconds']:.0f} | {r['baseline_rss_mb'] / 1024:.2f} | "
                  f"{r['peak_rss_mb'] / 1024:.2f} | "
                  f"{(r['peak_rss_mb'] - r['baseline_rss_mb']) / 1024:.2f} | "
                  f"{r['detections']} |")
        for mode in {r['mode'] for r in mem}:
            peak = {r['masks']: r['peak_rss_mb'] for r in mem
                    if r['mode'] == mode}
            x = peak[True] / peak[False]
            print(f'{mode}: mask / box-only peak RSS = {x:.2f}x (target '
                  f"<= 1.5x: {'met' if x <= 1.5 else 'missed'})")


def main(argv=None) -> None:
    args = parse_args(argv)
    if 'autofocus_opts' in args.modes and not args.af_options:
        raise ValueError('--modes autofocus_opts tests AutoFocus with '
                         '--af-options: give them')
    os.makedirs(args.work_dir, exist_ok=True)
    if not osp.isfile(osp.join(args.data_root, 'annotations',
                               'instances_test.json')):
        sys.path.insert(0, ROOT)
        from mmsniper.datasets.synthetic import generate_dataset
        generate_dataset(args.data_root, preset=args.preset, seed=0)
    res = dict(config=args.config, epochs=args.epochs, iters=args.iters,
               test_images=args.test_images, split=args.split,
               af_options=args.af_options)
    if args.checkpoint:
        ckpt = args.checkpoint
    else:
        ckpt, res['train_seconds'] = train(args)
    res['checkpoint'] = ckpt
    if not args.no_eval:
        res['eval'] = evaluate(args, ckpt)
    if args.memory_mpix > 0:
        res['memory'] = memory(args, ckpt)
    path = osp.join(args.work_dir, 'benchmark_masks.json')
    with open(path + '.tmp', 'w') as f:
        json.dump(res, f, indent=2)
    os.replace(path + '.tmp', path)
    if 'train_seconds' in res:
        print(f"trained {args.epochs} epoch(s) in "
              f"{res['train_seconds'] / 60:.1f} min")
    report(res)


if __name__ == '__main__':
    main()
