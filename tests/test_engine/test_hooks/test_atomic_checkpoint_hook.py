"""AtomicCheckpointHook (atomic_checkpoint_hook.py): the atomic backend by
default for local folders; save, then last_checkpoint, then removal of
outdated checkpoints; a save interrupted half-way leaves no truncated file
and keeps the previous checkpoint named; stale temporary files go at the
next before_train. A stand-in runner saves through mmengine's
save_checkpoint (the real runner's run: test_resumable_loop.py)."""
import itertools
import os
import os.path as osp

import pytest
import torch
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook
from mmengine.logging import MessageHub, MMLogger
from mmengine.runner.checkpoint import save_checkpoint

from mmsniper.engine import AtomicCheckpointHook
from mmsniper.engine.hooks import atomic_checkpoint_hook as hook_module
from mmsniper.fileio import AtomicLocalBackend

_hub_ids = itertools.count()


class _Runner:
    """What CheckpointHook uses of a Runner; each checkpoint holds its
    epoch in ``w``."""

    def __init__(self, work_dir: str, max_epochs: int = 3) -> None:
        self.work_dir, self.max_epochs = work_dir, max_epochs
        self.epoch = self.iter = 0
        self.message_hub = MessageHub.get_instance(
            f'atomic_ckpt_test_{next(_hub_ids)}')
        self.logger = MMLogger.get_current_instance()

    def save_checkpoint(self, out_dir, filename, file_client_args=None,
                        save_optimizer=True, save_param_scheduler=True,
                        meta=None, by_epoch=True, backend_args=None):
        state = dict(w=torch.full((1000, ), float(meta['epoch'])))
        save_checkpoint(dict(meta=meta, state_dict=state),
                        osp.join(out_dir, filename),
                        file_client_args=file_client_args,
                        backend_args=backend_args)


def _train(hook, runner, epochs):
    hook.before_train(runner)
    for runner.epoch in epochs:
        hook.after_train_epoch(runner)


def _last(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read()


def _epoch_of(path):
    return torch.load(path, weights_only=True)['state_dict']['w'][0].item()


class _Killed(BaseException):
    pass


def _die_half_way(target):
    """A ``_write`` that writes half of ``target``'s bytes, then dies."""
    real = AtomicLocalBackend._write

    def write(self, f, obj, filepath):
        if not filepath.endswith(target):
            return real(self, f, obj, filepath)
        f.write(obj[:len(obj) // 2])
        raise _Killed

    return write


def _die_in_epoch_2(work, monkeypatch, target):
    """Epoch 1 saved (max_keep_ckpts=1), then the save of epoch 2 dies
    half-way through writing ``target``; returns the work dir."""
    hook = AtomicCheckpointHook(interval=1, max_keep_ckpts=1)
    runner = _Runner(work)
    _train(hook, runner, [0])
    monkeypatch.setattr(AtomicLocalBackend, '_write', _die_half_way(target))
    runner.epoch = 1
    with pytest.raises(_Killed):
        hook.after_train_epoch(runner)
    return work


def test_atomic_backend_for_local_folders_only():
    assert AtomicCheckpointHook(interval=1).backend_args == dict(
        backend='atomic_local')
    assert AtomicCheckpointHook(interval=1, out_dir='/tmp/x').backend_args \
        == dict(backend='atomic_local')
    assert AtomicCheckpointHook(interval=1,
                                out_dir='s3://bucket/x').backend_args is None
    # out_dir positional (CheckpointHook's fifth argument)
    assert AtomicCheckpointHook(1, True, True, True,
                                's3://bucket/x').backend_args is None
    given = dict(backend='local')
    assert AtomicCheckpointHook(interval=1,
                                backend_args=given).backend_args == given


def test_saves_names_then_removes_outdated(tmp_path):
    work = str(tmp_path)
    hook = AtomicCheckpointHook(interval=1, max_keep_ckpts=2)
    runner = _Runner(work)
    _train(hook, runner, range(3))
    assert isinstance(hook.file_backend, AtomicLocalBackend)
    assert sorted(os.listdir(work)) == ['epoch_2.pth', 'epoch_3.pth',
                                        'last_checkpoint']
    assert _last(work) == osp.join(work, 'epoch_3.pth')
    assert _epoch_of(osp.join(work, 'epoch_3.pth')) == 3.
    assert runner.message_hub.get_info('keep_ckpt_ids') == [2, 3]
    assert runner.message_hub.get_info('last_ckpt') == osp.join(
        work, 'epoch_3.pth')


def test_interrupted_save_keeps_the_previous_checkpoint(tmp_path,
                                                        monkeypatch):
    """max_keep_ckpts=1, the save of epoch 2 dies half-way: epoch_1.pth is
    still there, intact and named by last_checkpoint; no epoch_2.pth, no
    temporary file."""
    work = _die_in_epoch_2(str(tmp_path / 'atomic'), monkeypatch,
                           'epoch_2.pth')
    assert sorted(os.listdir(work)) == ['epoch_1.pth', 'last_checkpoint']
    assert _last(work) == osp.join(work, 'epoch_1.pth')
    assert _epoch_of(_last(work)) == 1.

    # mmengine's own hook, in the same place, loses both checkpoints
    def half_put(self, obj, filepath):
        with open(filepath, 'wb') as f:
            f.write(obj[:len(obj) // 2])
        raise _Killed

    work = str(tmp_path / 'plain')
    plain, runner = CheckpointHook(interval=1, max_keep_ckpts=1), _Runner(
        work)
    _train(plain, runner, [0])
    monkeypatch.setattr(LocalBackend, 'put', half_put)
    runner.epoch = 1
    with pytest.raises(_Killed):
        plain.after_train_epoch(runner)
    assert sorted(os.listdir(work)) == ['epoch_2.pth', 'last_checkpoint']
    with pytest.raises(Exception):
        torch.load(osp.join(work, 'epoch_2.pth'), weights_only=True)


def test_interrupted_last_checkpoint_keeps_the_old_one(tmp_path,
                                                       monkeypatch):
    """The new checkpoint is written but last_checkpoint's replacement dies:
    it still names epoch_1.pth, which is not removed yet."""
    work = _die_in_epoch_2(str(tmp_path), monkeypatch, 'last_checkpoint')
    assert sorted(os.listdir(work)) == ['epoch_1.pth', 'epoch_2.pth',
                                        'last_checkpoint']
    assert _last(work) == osp.join(work, 'epoch_1.pth')
    assert _epoch_of(osp.join(work, 'epoch_2.pth')) == 2.


def test_before_train_removes_stale_temporary_files(tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(hook_module, 'print_log',
                        lambda msg, logger=None: logged.append(msg))
    work, out = tmp_path / 'work', tmp_path / 'out'
    stale = [work / '.last_checkpoint.a1b2.tmp',
             out / 'work' / '.epoch_2.pth.c3d4.tmp']
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b'half')
    (work / 'notes.tmp').write_text('not ours')
    hook = AtomicCheckpointHook(interval=1, out_dir=str(out))
    hook.before_train(_Runner(str(work)))
    assert hook.out_dir == str(out / 'work')
    assert not any(p.exists() for p in stale)
    assert (work / 'notes.tmp').exists()
    assert sorted(logged) == sorted(f'removed {p} (left by a killed save)'
                                    for p in stale)
    # another backend is left alone
    other = work / '.epoch_3.pth.e5f6.tmp'
    other.write_bytes(b'half')
    AtomicCheckpointHook(interval=1, backend_args=dict(
        backend='local')).before_train(_Runner(str(work)))
    assert other.exists()
