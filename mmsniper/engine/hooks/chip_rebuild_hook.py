# Copyright (c) mmsniper contributors. All rights reserved.
"""Rebuild SNIPER's chip list at every epoch: :class:`ChipRebuildHook`."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmdet.registry import HOOKS

from ...utils.dataset_walk import find_dataset


@HOOKS.register_module()
class ChipRebuildHook(Hook):
    """Give the training :class:`~mmsniper.datasets.SniperDataset` a fresh
    chip list at every epoch (new stride jitter, shuffle and negative
    chips), like mmdet's ``PipelineSwitchHook`` switches pipelines and
    mmengine's ``DistSamplerSeedHook`` re-seeds samplers.

    - Epoch-based loops: ``before_train_epoch`` calls
      ``dataset.set_epoch(runner.epoch)`` (also right after a resume).
    - Iteration-based loops with a finite sampler (``DefaultSampler``): an
      "epoch" is one pass over the dataloader; the list is rebuilt after
      its last iteration, before the loop starts the next pass. With an
      ``InfiniteSampler`` there are no passes: the hook warns and keeps
      epoch 0's chips.

    The list is built in the main process; with ``persistent_workers`` the
    hook restarts the dataloader workers so they see it (as
    ``PipelineSwitchHook`` does).

    Args:
        restart_workers (bool): Restart persistent workers after a rebuild.
            Defaults to True.
    """

    priority = 'NORMAL'

    def __init__(self, restart_workers: bool = True) -> None:
        self.restart_workers = restart_workers
        self._warned = False

    def _dataset(self, runner):
        from ...datasets import SniperDataset
        dataset = find_dataset(runner.train_dataloader.dataset, SniperDataset)
        if dataset is None and not self._warned:
            self._warned = True
            print_log(
                'ChipRebuildHook: the training dataset is not a '
                'SniperDataset; nothing to rebuild',
                logger='current',
                level=30)
        return dataset

    def _rebuild(self, runner, epoch: int) -> None:
        dataset = self._dataset(runner)
        if dataset is None or dataset.epoch == epoch:
            return
        dataset.set_epoch(epoch)
        loader = runner.train_dataloader
        if self.restart_workers and getattr(loader, 'persistent_workers',
                                            False):
            # persistent workers hold a copy of the old chip list
            loader._iterator = None
        runner.message_hub.update_info('sniper_chips', dict(dataset.stats))

    def _iter_based(self, runner) -> bool:
        return isinstance(runner.train_loop, IterBasedTrainLoop)

    def _pass_length(self, runner) -> Optional[int]:
        try:
            return len(runner.train_dataloader)
        except TypeError:
            return None

    def before_train(self, runner) -> None:
        """Iteration-based loops: pick the pass a resumed run is in."""
        if not self._iter_based(runner):
            return
        sampler = getattr(runner.train_dataloader, 'sampler', None)
        if type(sampler).__name__ == 'InfiniteSampler':
            print_log(
                'ChipRebuildHook: an InfiniteSampler never ends a pass, so '
                'the chips of epoch 0 are used for the whole run; use '
                "sampler=dict(type='DefaultSampler') to rebuild them",
                logger='current',
                level=30)
            return
        n = self._pass_length(runner)
        if n:
            self._rebuild(runner, runner.iter // n)

    def before_train_epoch(self, runner) -> None:
        """Epoch-based loops: build the chips of ``runner.epoch``."""
        if not self._iter_based(runner):
            self._rebuild(runner, runner.epoch)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        """Iteration-based loops: rebuild after the last iteration of a
        pass."""
        if not self._iter_based(runner):
            return
        sampler = getattr(runner.train_dataloader, 'sampler', None)
        if type(sampler).__name__ == 'InfiniteSampler':
            return
        n = self._pass_length(runner)
        if n and (runner.iter + 1) % n == 0:
            self._rebuild(runner, (runner.iter + 1) // n)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'restart_workers={self.restart_workers})')
