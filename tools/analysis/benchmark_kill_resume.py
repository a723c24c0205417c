# Copyright (c) mmsniper contributors. All rights reserved.
"""Kill a SNIPER training run at random moments and resume it, again and
again; count truncated checkpoints and compare the final weights with a
straight run.

A straight run trains ``tests/data/configs/tiny_sniper.py`` (the SNIPER
synthetic recipe, 8 chips per epoch, batches of 2) on the ``tiny`` preset
for ``--epochs`` epochs with a checkpoint after *every* iteration, so that
many kills land inside a save. Then one work dir is trained with
``--resume`` again and again; each run gets SIGKILL at a random moment
(uniform in ``[0, --window]`` seconds after its first training log line,
i.e. not during start-up). After every kill each ``*.pth`` of the work dir
and the file ``last_checkpoint`` names are loaded with ``torch.load``: a
file that fails is *truncated*. A temporary ``.*.pth.*.tmp`` file after a
kill means the kill fell inside a save. Finally the run is resumed to the
end and its weights are compared with the straight run's (max abs
difference; 0 expected on CPU with one thread). Every second kill is aimed
at a save: after the run logs its second "Saving checkpoint", the work dir
is polled every 0.5 ms and the process is killed as soon as the checkpoint
file is being written (a temporary file, or mmengine's new ``*.pth``); the
other kills fall at a random moment of training.

``--baseline`` repeats the same kill schedule with mmengine's own
``EpochBasedTrainLoop`` and ``CheckpointHook`` (what the configs used
before), side by side in one run.

Example::

    python tools/analysis/benchmark_kill_resume.py --kills 20 --baseline \\
        --out docs/results/benchmark_kill_resume.json
"""
import argparse
import glob
import json
import os
import os.path as osp
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)

import torch  # noqa: E402

CFG = 'tests/data/configs/tiny_sniper.py'


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--kills', type=int, default=20)
    p.add_argument('--epochs', type=int, default=10,
                   help='epochs of 4 iterations')
    p.add_argument('--window', type=float, default=2.0,
                   help='kill within this many seconds of the first '
                   'training log line of a run')
    p.add_argument('--data-root', default=osp.join(REPO, 'data', 'synthetic',
                                                   'tiny'))
    p.add_argument('--work-dir', default=None)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--baseline', action='store_true',
                   help='also run the same kills with mmengine\'s '
                   'EpochBasedTrainLoop and CheckpointHook')
    p.add_argument('--out', default=None, help='json with the results')
    return p.parse_args()


def _cmd(work: str, args: argparse.Namespace, resume: bool,
         opts=()) -> list:
    cmd = [sys.executable, 'tools/train.py', CFG, '--work-dir', work]
    if resume:
        cmd.append('--resume')
    return cmd + [
        '--cfg-options',
        f'train_dataloader.dataset.dataset.data_root={args.data_root}/',
        f'train_cfg.max_epochs={args.epochs}',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.checkpoint.max_keep_ckpts=2',
        'default_hooks.logger.interval=1', *opts
    ]


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    env.pop('MMSNIPER_KILL_ITER', None)
    env.pop('MMSNIPER_KILL_SAVE', None)
    return env


def _loads(path: str) -> bool:
    try:
        torch.load(path, map_location='cpu', weights_only=False)
        return True
    except Exception:  # noqa: BLE001  (any failure = unreadable file)
        return False


def _final(work: str) -> str:
    with open(osp.join(work, 'last_checkpoint')) as f:
        return f.read().strip()


def main() -> int:
    args = parse_args()
    root = args.work_dir or tempfile.mkdtemp(prefix='kill_resume_')
    straight = osp.join(root, 'straight')
    shutil.rmtree(straight, ignore_errors=True)
    t0 = time.time()
    res = subprocess.run(_cmd(straight, args, False), cwd=REPO, env=_env(),
                         capture_output=True, text=True)
    if res.returncode:
        print(res.stderr[-3000:], file=sys.stderr)
        return 1
    print(f'straight run: {time.time() - t0:.1f} s')

    arms = [('mmsniper', [])]
    if args.baseline:
        arms.append(('mmengine', [
            'train_cfg.type=EpochBasedTrainLoop',
            'default_hooks.checkpoint.type=CheckpointHook'
        ]))
    ref = torch.load(_final(straight), map_location='cpu',
                     weights_only=False)['state_dict']
    summary = dict(
        command='python tools/analysis/benchmark_kill_resume.py ' +
        ' '.join(sys.argv[1:]),
        iterations=args.epochs * 4,
        arms={})
    for name, opts in arms:
        rng = random.Random(args.seed)  # the same kill moments in each arm
        work = osp.join(root, name)
        shutil.rmtree(work, ignore_errors=True)
        summary['arms'][name] = _kill_loop(args, rng, root, work, opts, ref)
    print()
    for name, r in summary['arms'].items():
        print(f'{name}: {r["kills"]} kills ({r["kills_during_save"]} during '
              f'a save): {r["truncated_files"]} unreadable files, '
              f'{r["lost_runs"]} restarts without a usable checkpoint; '
              f'final weights vs straight run: max abs difference '
              f'{r["final_max_abs_weight_diff"]}')
    if args.out:
        from mmsniper.utils.io import atomic_write
        with atomic_write(args.out) as f:
            json.dump(summary, f, indent=2)
    ours = summary['arms']['mmsniper']
    return 0 if (ours['truncated_files'] == 0
                 and ours['final_max_abs_weight_diff'] == 0) else 1


def _wait_for(log: str, proc, text: str, count: int) -> None:
    """Until ``text`` occurs ``count`` times in ``log`` (or ``proc`` ends)."""
    while proc.poll() is None:
        with open(log) as f:
            if f.read().count(text) >= count:
                return
        time.sleep(0.01)


def _wait_for_write(work: str, proc, before: set) -> None:
    """Until a checkpoint file is being written in ``work``: a temporary
    ``.*.tmp`` (atomic saves) or a new ``*.pth`` (mmengine's plain write)."""
    while proc.poll() is None:
        for name in os.listdir(work):
            if name.endswith('.tmp') or (name.endswith('.pth')
                                         and name not in before):
                return
        time.sleep(0.0005)


def _kill_loop(args, rng, root, work, opts, ref) -> dict:
    """Kill-and-resume ``work`` ``args.kills`` times, then finish it."""
    records, truncated, lost, done = [], 0, 0, False
    os.makedirs(work)
    for k in range(args.kills):
        log = osp.join(root, f'{osp.basename(work)}_{k}.log')
        at_save = k % 2 == 1
        with open(log, 'w') as f:
            proc = subprocess.Popen(
                _cmd(work, args, k > 0, opts), cwd=REPO, env=_env(),
                stdout=f, stderr=subprocess.STDOUT)
        if at_save:  # while the 2nd checkpoint of this run is written
            before = set(os.listdir(work))
            _wait_for(log, proc, 'Saving checkpoint', 2)
            _wait_for_write(work, proc, before)
            delay = rng.uniform(0, 0.002)
        else:  # anywhere in the first seconds of training
            _wait_for(log, proc, '(train)', 1)
            delay = rng.uniform(0, args.window)
        time.sleep(delay)
        if proc.poll() is not None:
            with open(log) as f:
                text = f.read()
            if proc.returncode == 0:
                done = True
                print(f'{osp.basename(work)} run {k}: finished before the '
                      'kill')
                break
            # the previous kill left nothing this run could resume from
            lost += 1
            print(f'{osp.basename(work)} run {k}: failed '
                  f'({text.strip().splitlines()[-1][:160]})')
            continue
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stale = glob.glob(osp.join(work, '.*.tmp'))
        ckpts = sorted(glob.glob(osp.join(work, '*.pth')))
        bad = [c for c in ckpts if not _loads(c)]
        last_ok = osp.isfile(osp.join(work, 'last_checkpoint')) and \
            osp.isfile(_final(work)) and _loads(_final(work))
        truncated += len(bad)
        records.append(dict(run=k, at_save=at_save, delay_s=round(delay, 3),
                            during_save=bool(stale) or bool(bad),
                            checkpoints=[osp.basename(c) for c in ckpts],
                            unreadable=[osp.basename(c) for c in bad],
                            last_checkpoint_ok=bool(last_ok)))
        print(f'{osp.basename(work)} kill {k + 1}: '
              f'{"at a save" if at_save else "random"} +{delay:.2f} s, '
              f'checkpoints {[osp.basename(c) for c in ckpts]}, '
              f'unreadable {len(bad)}, last_checkpoint ok {last_ok}')
        if bad:  # a user would delete them to go on
            for c in bad:
                os.remove(c)
    diff = None
    if not done:
        res = subprocess.run(_cmd(work, args, True, opts), cwd=REPO,
                             env=_env(), capture_output=True, text=True)
        done = res.returncode == 0
    if done:
        b = torch.load(_final(work), map_location='cpu',
                       weights_only=False)['state_dict']
        diff = max((ref[n].double() - b[n].double()).abs().max().item()
                   for n in ref)
    return dict(kills=len(records),
                kills_during_save=sum(r['during_save'] for r in records),
                truncated_files=truncated, lost_runs=lost,
                finished=done, final_max_abs_weight_diff=diff,
                runs=records)



if __name__ == '__main__':
    sys.exit(main())
