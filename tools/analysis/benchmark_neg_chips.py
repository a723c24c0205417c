# Copyright (c) mmsniper contributors. All rights reserved.
"""SNIPER with and without negative chips, same model, same schedule.

    python tools/analysis/benchmark_neg_chips.py [--epochs 2] \\
        [--out docs/results/benchmark_neg_chips.json]

On the synthetic ``quickstart`` preset (generated when absent) with the
SNIPER synthetic config:

1. ``tools/train_neg_props_and_sniper.sh CONFIG``: the RPN twin (the
   config's ``rpn_config``, a ``configs/rpn/`` leaf) on positive
   chips (its own short schedule), its proposals of the training images,
   then SNIPER **with** negative chips (``NegChipMine``, 2 per image);
2. SNIPER **without** negative chips: ``tools/train.py CONFIG`` with the
   same seed and schedule;
3. both evaluated on the val split with the SNIPER pyramid
   (``tools/test.py CONFIG CKPT --tta``: the config's ``tta_model``, the
   pyramid of ``configs/_base_/tta/sniper_pyramid.py``; COCO mAP and
   processed pixels), and their false positives
   counted (``tools/analysis/false_positives.py``: score >= 0.3 / 0.5,
   IoU < 0.5 with every object; share inside a >= 4x larger object).

Both arms train ``--epochs`` epochs with the config's cosine schedule
ending there (``param_scheduler.1.end``). An epoch of the arm with
negatives has more chips (SniperDataset fixes the epoch length to the first
epoch's chip count), hence more iterations: both are reported.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

from mmsniper.utils.io import atomic_write  # noqa: E402

CONFIG = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', default=CONFIG)
    p.add_argument('--data-root', default='data/synthetic/quickstart')
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--work-dir', default='work_dirs/benchmark_neg_chips')
    p.add_argument('--out', default=None, help='json with the results')
    return p.parse_args(argv)


def _run(cmd, env=None) -> float:
    """Run ``cmd`` in the repo root; returns its wall time (s)."""
    print('+', ' '.join(cmd), flush=True)
    start = time.time()
    subprocess.run(cmd, cwd=REPO, check=True, env=env)
    return time.time() - start


def _iters(work_dir: str) -> int:
    """Training iterations of a finished run (its last checkpoint)."""
    import torch
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        ckpt = torch.load(f.read().strip(), map_location='cpu',
                          weights_only=False)
    return int(ckpt['meta']['iter'])


def main(argv=None) -> dict:
    args = parse_args(argv)
    py = sys.executable
    root = args.data_root.rstrip('/')
    if not osp.isdir(osp.join(REPO, root, 'val')):
        _run([py, 'tools/misc/generate_synthetic.py', '--preset',
              'quickstart', '--out', root])
    common = [
        f'train_cfg.max_epochs={args.epochs}',
        f'param_scheduler.1.end={args.epochs}',
        f'train_dataloader.dataset.dataset.data_root={root}/'
    ]
    val = [
        'test_dataloader.dataset.ann_file=annotations/instances_val.json',
        'test_dataloader.dataset.data_prefix.img=val/',
        f'test_dataloader.dataset.data_root={root}/',
        f'test_evaluator.0.ann_file={root}/annotations/instances_val.json'
    ]
    env = dict(os.environ, PYTHON=py, OMP_NUM_THREADS='1')
    arms = {}
    for name in ('with_neg', 'without_neg'):
        work = osp.join(args.work_dir, name)
        if name == 'with_neg':
            # the RPN keeps its own schedule; only the data root is shared
            env_arm = dict(env, WORK_DIR=work, CFG_OPTIONS=common[2],
                           PROPOSAL_FILE=osp.join(work, 'proposals.pkl'))
            t = _run(['bash', 'tools/train_neg_props_and_sniper.sh',
                      args.config, '1', *common[:2]], env=env_arm)
        else:
            t = _run([py, 'tools/train.py', args.config, '--work-dir', work,
                      '--cfg-options', *common], env=env)
        with open(osp.join(REPO, work, 'last_checkpoint')) as f:
            ckpt = f.read().strip()
        dets = osp.join(work, 'val_detections')
        metrics = osp.join(work, 'val_metrics.json')
        _run([py, 'tools/test.py', args.config, ckpt, '--work-dir', work,
              '--tta', '--out', dets + '.bbox.json',
              '--metrics-out', metrics, '--cfg-options', *val], env=env)
        fp = osp.join(work, 'false_positives.json')
        _run([py, 'tools/analysis/false_positives.py',
              f'{root}/annotations/instances_val.json', dets + '.bbox.json',
              '--out', fp], env=env)
        with open(osp.join(REPO, metrics)) as f:
            m = json.load(f)
        with open(osp.join(REPO, fp)) as f:
            fps = json.load(f)['stats']
        arms[name] = dict(train_s=round(t, 1),
                          iterations=_iters(osp.join(REPO, work)),
                          metrics=m, false_positives=fps)
        print(name, json.dumps(arms[name], indent=1), flush=True)
    out = dict(command=' '.join(['python'] + sys.argv), epochs=args.epochs,
               arms=arms)
    if args.out:
        with atomic_write(args.out) as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == '__main__':
    main()
