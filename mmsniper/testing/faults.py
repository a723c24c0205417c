# Copyright (c) mmsniper contributors. All rights reserved.
"""Faults on purpose, for the reliability tests and benchmarks: a hook that
SIGKILLs the training process at a chosen iteration, and a checkpoint
backend that SIGKILLs it half-way through writing a checkpoint.

Not imported by ``import mmsniper``; a config loads it with
``custom_imports = dict(imports=['mmsniper', 'mmsniper.testing.faults'])``.
"""
import os
import signal
from typing import Optional

from mmengine.fileio import register_backend
from mmengine.fileio.backends import registry_utils
from mmengine.hooks import Hook
from mmdet.registry import HOOKS

from ..fileio import AtomicLocalBackend


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILL the process after iteration ``kill_iter`` (1-based, i.e. when
    ``runner.iter + 1 == kill_iter``), after every other hook of that
    iteration (checkpoints included) has run.

    Args:
        kill_iter (int, optional): The iteration; None or <= 0 disables.
            The environment variable ``MMSNIPER_KILL_ITER`` wins when set.
    """

    priority = 'LOWEST'

    def __init__(self, kill_iter: Optional[int] = None) -> None:
        env = os.environ.get('MMSNIPER_KILL_ITER')
        self.kill_iter = int(env) if env else kill_iter

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if self.kill_iter and runner.iter + 1 == self.kill_iter:
            _kill()


class KillDuringSaveBackend(AtomicLocalBackend):
    """:class:`~mmsniper.fileio.AtomicLocalBackend` that SIGKILLs the process
    after writing half of the file whose name ends with the environment
    variable ``MMSNIPER_KILL_SAVE`` (e.g. ``iter_6.pth``). Registered as
    file backend ``'kill_during_save'``."""

    def _write(self, f, obj: bytes, filepath: str) -> None:
        target = os.environ.get('MMSNIPER_KILL_SAVE')
        if target and str(filepath).endswith(target):
            f.write(obj[:len(obj) // 2])
            f.flush()
            os.fsync(f.fileno())
            _kill()
        super()._write(f, obj, filepath)


if 'kill_during_save' not in registry_utils.backends:
    register_backend('kill_during_save', KillDuringSaveBackend)
