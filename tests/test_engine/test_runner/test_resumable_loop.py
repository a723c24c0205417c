"""Kill + --resume equals a straight run, bit for bit (CPU, one thread):
ResumableEpochBasedTrainLoop, SniperDataset's per-sample seeds and
AtomicCheckpointHook, through tools/train.py on the tiny preset."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

CFG = 'tests/data/configs/tiny_sniper.py'


def _train(repo_root, root, work, env=None, resume=False, opts=()):
    args = [sys.executable, 'tools/train.py', CFG, '--work-dir', work]
    if resume:
        args.append('--resume')
    args += ['--cfg-options',
             f'train_dataloader.dataset.dataset.data_root={root}/', *opts]
    full_env = dict(os.environ, PYTHONPATH=repo_root, OMP_NUM_THREADS='1')
    full_env.pop('MMSNIPER_KILL_ITER', None)
    full_env.pop('MMSNIPER_KILL_SAVE', None)
    full_env.update(env or {})
    return subprocess.run(args, cwd=repo_root, env=full_env,
                          capture_output=True, text=True, timeout=300)


def _weights(path):
    return torch.load(path, map_location='cpu',
                      weights_only=False)['state_dict']


def _max_diff(a, b):
    assert a.keys() == b.keys()
    return max((a[k].double() - b[k].double()).abs().max().item()
               for k in a)


@pytest.fixture(scope='module')
def straight(repo_root, tiny_synthetic_root, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('straight'))
    res = _train(repo_root, tiny_synthetic_root, work)
    assert res.returncode == 0, res.stderr[-3000:]
    return _weights(osp.join(work, 'iter_12.pth'))


# 4 iterations per epoch, a checkpoint every 3 iterations:
# - kill after iteration 5: the last checkpoint (iter 3) is mid-epoch 1;
# - kill right after the checkpoint of iteration 9 (mid-epoch 3);
# - kill half-way through writing iter_6.pth, keeping one checkpoint only
#   (mmengine's hook deletes the old one before saving the new one).
KILLS = {
    'mid_epoch': (dict(MMSNIPER_KILL_ITER='5'), (), 'iter_3.pth'),
    'after_checkpoint': (dict(MMSNIPER_KILL_ITER='9'), (), 'iter_9.pth'),
    'during_save': (dict(MMSNIPER_KILL_SAVE='iter_6.pth'),
                    ('default_hooks.checkpoint.backend_args.backend='
                     'kill_during_save',
                     'default_hooks.checkpoint.max_keep_ckpts=1'),
                    'iter_3.pth'),
}


@pytest.mark.parametrize('point', list(KILLS))
def test_kill_and_resume_gives_the_straight_weights(repo_root,
                                                    tiny_synthetic_root,
                                                    straight, tmp_path,
                                                    point):
    env, opts, resumed_from = KILLS[point]
    work = str(tmp_path / 'run')
    killed = _train(repo_root, tiny_synthetic_root, work, env=env,
                    opts=opts)
    assert killed.returncode == -9, killed.stderr[-3000:]
    with open(osp.join(work, 'last_checkpoint')) as f:
        last = f.read().strip()
    assert osp.basename(last) == resumed_from
    _weights(last)  # the checkpoint it names is intact
    if point == 'during_save':
        assert not osp.exists(osp.join(work, 'iter_6.pth'))
        assert any(n.endswith('.tmp') for n in os.listdir(work))
    res = _train(repo_root, tiny_synthetic_root, work, resume=True,
                 opts=[o for o in opts if 'backend' not in o])
    assert res.returncode == 0, res.stderr[-3000:]
    assert f'resumed epoch' in res.stdout + res.stderr
    assert not any(n.endswith('.tmp') for n in os.listdir(work))
    assert _max_diff(straight, _weights(osp.join(work, 'iter_12.pth'))) == 0
