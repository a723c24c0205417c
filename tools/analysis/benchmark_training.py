"""Training baselines side by side: SNIPER chips, uniform tiles, full
image pyramid.

    python tools/analysis/benchmark_training.py CONFIG \\
        [--arms sniper tiles tiles_ms full] [--budget 1800] \\
        [--budget-mode wall|cpu] [--epochs N] [--eval-points 3] \\
        [--val-images 40] [--proposal-file PROPS.pkl]

CONFIG is a SNIPER config (e.g. configs/sniper/
sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py). Every arm trains
CONFIG's model from the same initial weights with CONFIG's optimizer and
base learning rate (linear warm-up, then a cosine over the budget to 2 %),
at CONFIG's 3 chip scales; the arms differ only in their training data:

- ``sniper``: CONFIG's SniperDataset chips, positive chips only;
- ``sniper_neg``: the same with negative chips mined from
  ``--proposal-file`` (``tools/train_neg_props_and_sniper.sh`` or
  ``tools/analysis/benchmark_neg_chips.py`` make one); skipped, saying so,
  without it;
- ``tiles``: uniform tiles at native resolution, as SAHI's ``slice_coco``
  / Ultralytics / OTX users train (``TileDataset``: ``--tile-size``, default
  the chip size, 20 % overlap, every box with at least
  ``--tile-min-area-ratio`` of its area in the tile trained, clipped; empty
  tiles kept; no valid ranges, no ignore regions);
- ``tiles_ms``: the same tiles of the image resized to each of the 3 scales;
- ``full``: the whole image, mmdet's multi-scale pipeline (``RandomChoice``
  of one ``Resize`` per scale, ``RandomFlip``), ``--full-batch-size`` 2.

The arms run at the same time, one process and one torch thread each. The
budget is per-arm wall-clock seconds, or with ``--budget-mode cpu`` per-arm
process CPU seconds (fair when the arms outnumber the cores); ``--epochs
N`` trains every arm N passes over its data instead. ``--eval-points P``
checkpoints after 1/P, 2/P, ... of the budget; every checkpoint of every
arm is then evaluated the same way: the SNIPER pyramid of CONFIG's
``tta_model`` / ``tta_pipeline`` (:func:`mmsniper.apis.tta_config`, as
``tools/test.py --tta``) run by mmengine's ``Runner.test`` with mmdet's
``CocoMetric`` on the first ``--val-images`` val images, plus false
positives per image (``false_positives.py``: score >= 0.3, IoU < 0.5 with
every object).

Reported per arm: bbox mAP / mAP_s / mAP_m / mAP_l / mAP@0.5, false
positives per image, training inputs / s, source images / s (all scales),
network pixels per source image (content of its inputs at all scales, no
padding), padded pixels per input, peak memory (max RSS of training),
iterations, and ratios to ``sniper``. Written: WORK_DIR/benchmark.json,
WORK_DIR/benchmark.md (table) and WORK_DIR/map_vs_time.png.
``--eval-checkpoint CKPT`` only evaluates CKPT (CONFIG's model) that way;
``--eval-only`` evaluates the checkpoints of a finished training that have
no result yet (each arm evaluates its last checkpoint first and rewrites
its json after each), ``--report`` only rebuilds the report from the json.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from training_loop import train_arm  # noqa: E402
from training_eval import evaluate, load_cfg, val_subset  # noqa: E402
from training_report import add_ratios, plot, table  # noqa: E402

ARMS = ('sniper', 'sniper_neg', 'tiles', 'tiles_ms', 'full')


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='SNIPER config')
    p.add_argument('--arms', nargs='+', default=['sniper', 'tiles',
                                                 'tiles_ms', 'full'],
                   choices=ARMS)
    p.add_argument('--budget', type=float, default=1800,
                   help='training seconds per arm (see --budget-mode)')
    p.add_argument('--budget-mode', choices=('wall', 'cpu'), default='wall',
                   help='wall-clock or process CPU seconds')
    p.add_argument('--epochs', type=float, default=None,
                   help='train N passes over each arm\'s data instead of a '
                   'time budget')
    p.add_argument('--max-iters', type=int, default=None,
                   help='also stop an arm after this many iterations')
    p.add_argument('--eval-points', type=int, default=3,
                   help='checkpoints evaluated per arm (1/P ... P/P)')
    p.add_argument('--val-images', type=int, default=40,
                   help='evaluate on the first N val images (0: all)')
    p.add_argument('--data-root', default=None,
                   help="dataset root (train/ and val/ splits); default: "
                   "the config's")
    p.add_argument('--proposal-file', default=None,
                   help='proposals of the training images (sniper_neg)')
    p.add_argument('--tile-size', type=int, default=None,
                   help="tile side (default: the config's chip size)")
    p.add_argument('--tile-overlap', type=float, default=0.2)
    p.add_argument('--tile-min-area-ratio', type=float, default=0.1)
    p.add_argument('--full-batch-size', type=int, default=2)
    p.add_argument('--warmup-iters', type=int, default=50)
    p.add_argument('--work-dir', default='work_dirs/benchmark_training')
    p.add_argument('--threads', type=int, default=1,
                   help='torch threads per arm')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--skip-eval', action='store_true')
    p.add_argument('--eval-checkpoint',
                   help='only evaluate this checkpoint, print the metrics')
    p.add_argument('--report', action='store_true',
                   help="only rebuild the report from the arms' json files "
                   'in the work dir (also of a run still evaluating)')
    p.add_argument('--eval-only', action='store_true',
                   help="evaluate the checkpoints of the arms' json files in "
                   'the work dir that have no result yet (no training)')
    p.add_argument('--arm', choices=ARMS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.eval_points < 1:
        p.error('--eval-points must be >= 1')
    if args.epochs is not None and args.epochs <= 0:
        p.error('--epochs must be positive')
    return args


def run_arm(args) -> dict:
    import torch
    torch.set_num_threads(args.threads)
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    import mmsniper  # noqa: F401
    out = osp.join(args.work_dir, f'{args.arm}.json')
    if args.eval_only:
        with open(out) as fh:
            res = json.load(fh)
    else:
        cfg = load_cfg(args)
        init_default_scope('mmdet')
        torch.manual_seed(args.seed)
        np.random.seed(args.seed)
        model = MODELS.build(cfg.model)
        model.init_weights()  # same seed -> same initial weights everywhere
        res = train_arm(args, cfg, model, args.work_dir)
        del model
        _dump(res, out)  # rewritten after each evaluation (--report reads it)
    ann_file = osp.abspath(osp.join(args.work_dir, 'val_subset.json'))
    # the last checkpoint first: a run cut short still has the final mAP
    ckpts = [] if args.skip_eval else [
        (k, c) for k, c in enumerate(res['checkpoints']) if 'eval' not in c]
    for k, c in reversed(ckpts):
        prefix = osp.abspath(osp.join(args.work_dir,
                                           osp.basename(c['path'])[:-4]))
        c['eval'] = evaluate(args, c['path'], ann_file, prefix)
        if k == len(res['checkpoints']) - 1:
            res['eval'] = c['eval']
        _dump(res, out)
    return res


def _dump(obj, path: str) -> None:
    from mmsniper.utils.io import atomic_write
    with atomic_write(path) as fh:
        json.dump(obj, fh, indent=1)


def spawn_arms(args, argv) -> dict:
    """Run every arm as its own process at the same time; their results."""
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads),
               PYTHONPATH=REPO + (':' + os.environ['PYTHONPATH'] if
                                  os.environ.get('PYTHONPATH') else ''))
    base = [sys.executable, osp.abspath(__file__), *argv]
    procs = {}
    for arm in args.arms:
        log = open(osp.join(args.work_dir, f'{arm}.log'), 'w')
        procs[arm] = (subprocess.Popen(base + ['--arm', arm], env=env,
                                       stdout=log, stderr=subprocess.STDOUT),
                      log)
    failed = []
    for arm, (p, log) in procs.items():
        if p.wait() != 0:
            failed.append(arm)
        log.close()
    if failed:
        raise SystemExit(f'arm(s) {failed} failed; see '
                         f'{args.work_dir}/<arm>.log')
    return read_arms(args)


def read_arms(args) -> dict:
    """The ``{arm}.json`` of every arm in the work dir."""
    results = {}
    for arm in args.arms:
        path = osp.join(args.work_dir, f'{arm}.json')
        if not osp.isfile(path):
            raise SystemExit(f'no results of arm {arm}: {path} is missing')
        with open(path) as fh:
            results[arm] = json.load(fh)
    return results


def main(argv=None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    if args.eval_checkpoint or args.arm:
        import mmsniper  # noqa: F401
    if args.eval_checkpoint:
        ann = val_subset(args, load_cfg(args))
        res = evaluate(args, args.eval_checkpoint, ann, osp.join(
            args.work_dir, 'eval_checkpoint'))
        print(json.dumps(res, indent=1))
        return res
    if args.arm:
        return run_arm(args)
    if 'sniper_neg' in args.arms and not args.proposal_file:
        print('sniper_neg skipped: it needs --proposal-file (proposals of '
              'the training images: tools/train_neg_props_and_sniper.sh or '
              'tools/extract_proposals.py make one)', file=sys.stderr)
        args.arms = [a for a in args.arms if a != 'sniper_neg']
    if not args.arms:
        raise SystemExit('no arm to run')
    if not (args.skip_eval or args.report or args.eval_only):
        val_subset(args, load_cfg(args))
    results = read_arms(args) if args.report else spawn_arms(args, argv)
    add_ratios(results)
    summary = dict(command=' '.join(['python'] + [
        osp.relpath(__file__, REPO)] + argv), budget_mode=args.budget_mode,
                   budget=args.budget, epochs=args.epochs, results=results)
    with open(osp.join(args.work_dir, 'benchmark.json'), 'w') as fh:
        json.dump(summary, fh, indent=1)
    md = table(results)
    with open(osp.join(args.work_dir, 'benchmark.md'), 'w') as fh:
        fh.write(md + '\n')
    if not args.skip_eval:
        plot(results, osp.join(args.work_dir, 'map_vs_time.png'),
             args.budget_mode)
    print(md)
    print(f'\nfull results: {args.work_dir}/benchmark.json')
    return summary


if __name__ == '__main__':
    main()
