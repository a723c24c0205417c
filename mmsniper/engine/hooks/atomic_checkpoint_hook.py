# Copyright (c) mmsniper contributors. All rights reserved.
"""Checkpoints that a kill can never truncate: :class:`AtomicCheckpointHook`."""
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log
from mmdet.registry import HOOKS

from ...fileio import AtomicLocalBackend, remove_stale_tmp_files


def _is_local(path: Optional[str]) -> bool:
    return path is None or '://' not in str(path)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with all-or-nothing saves.

    mmengine 0.10.7 writes a checkpoint straight under its final name,
    writes ``last_checkpoint`` with a plain ``open()`` and, with
    ``max_keep_ckpts``, deletes the oldest checkpoint *before* saving the
    new one: a kill during a save leaves a truncated ``epoch_N.pth`` (which
    ``tools/test.py`` cannot read) and possibly no intact checkpoint at all.
    This hook changes only the order and the writes:

    1. the checkpoint is written through the ``'atomic_local'`` file backend
       (:class:`~mmsniper.fileio.AtomicLocalBackend`: temporary file, fsync,
       rename) for local folders, or the backend given by ``backend_args``;
    2. then ``last_checkpoint`` is replaced atomically the same way;
    3. only then are checkpoints beyond ``max_keep_ckpts`` removed.

    A kill at any moment therefore leaves ``last_checkpoint`` naming an
    intact checkpoint (the new one or the previous one), which ``--resume``
    picks up. Temporary files of a killed save are removed at the next
    ``before_train``. All arguments are those of mmengine's
    ``CheckpointHook``; the shipped configs set
    ``default_hooks.checkpoint.type = 'AtomicCheckpointHook'``.
    """

    def __init__(self, *args, backend_args: Optional[dict] = None,
                 **kwargs) -> None:
        out_dir = kwargs.get('out_dir', args[4] if len(args) > 4 else None)
        if backend_args is None and kwargs.get(
                'file_client_args') is None and _is_local(out_dir):
            backend_args = dict(backend='atomic_local')
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and isinstance(self.file_backend,
                                            AtomicLocalBackend):
            for folder in {self.out_dir, runner.work_dir}:
                for path in remove_stale_tmp_files(folder):
                    print_log(f'removed {path} (left by a killed save)',
                              logger='current')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        outdated = []
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        AtomicLocalBackend().put_text(
            self.last_ckpt, osp.join(runner.work_dir, 'last_checkpoint'))
        for old in outdated:
            path = self.file_backend.join_path(self.out_dir,
                                               self.filename_tmpl.format(old))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
