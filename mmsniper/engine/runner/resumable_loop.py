# Copyright (c) mmsniper contributors. All rights reserved.
"""Epoch-based training that resumes bit-exactly:
:class:`ResumableEpochBasedTrainLoop`."""
import copy
from typing import Dict, List, Optional, Tuple, Union

from mmengine.dist import get_rank
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import DataLoader
from mmdet.registry import LOOPS

from ...utils.seeding import derive_seed, seed_global_rngs

#: Key that separates the epoch-start seed from the step seeds.
_EPOCH_KEY = 1 << 30


def resumable_dataloader_cfg(cfg: dict) -> dict:
    """Put a :class:`~mmsniper.datasets.ResumableBatchSampler` around the
    batch sampler of a dataloader config (a copy; idempotent)."""
    cfg = copy.deepcopy(dict(cfg))
    inner = cfg.get('batch_sampler', None)
    if isinstance(inner, dict) and inner.get('type') in (
            'ResumableBatchSampler', 'mmdet.ResumableBatchSampler'):
        return cfg
    cfg['batch_sampler'] = dict(
        type='ResumableBatchSampler',
        batch_sampler=inner,
        drop_last=bool(cfg.pop('drop_last', False)))
    return cfg


@LOOPS.register_module()
class ResumableEpochBasedTrainLoop(EpochBasedTrainLoop):
    """mmengine's ``EpochBasedTrainLoop`` whose randomness is a function of
    the iteration, and which resumes in the middle of an epoch.

    Two things keep a killed and resumed run identical to a straight one:

    - **Seeds per step.** Before fetching the batch of iteration ``i`` the
      loop seeds python's ``random``, numpy's and torch's global generators
      with ``derive_seed(seed, i, rank)``; before the epoch's dataloader
      iterator is created, with ``derive_seed(seed, 2**30 + epoch, rank)``.
      Everything drawn from global generators during a step (the RoI
      sampler, the data pipeline in the main process) therefore depends on
      ``(seed, i, rank)`` only, not on what ran before (a validation, a
      resume). ``seed`` is the run's ``randomness.seed`` (the checkpoint's
      on resume).
    - **Mid-epoch resume.** mmengine restores ``epoch`` and ``iter`` from a
      checkpoint but restarts the epoch from its first batch; after a
      checkpoint saved mid-epoch (``CheckpointHook(by_epoch=False)``) this
      loop skips the batches already trained, through the
      :class:`~mmsniper.datasets.ResumableBatchSampler` it puts around the
      dataloader's batch sampler (indices only: no image is read).

    The sampler must give the same order for the same epoch (mmengine's
    ``DefaultSampler`` with a seed does) and the dataset must be a function
    of the epoch (:class:`~mmsniper.datasets.SniperDataset` is, and seeds
    every sample's pipeline by ``(seed, epoch, index)``, also in dataloader
    workers). Dataloader workers running a dataset that draws from global
    generators (a plain mmdet dataset with ``RandomFlip``) are seeded by
    torch per epoch, not per step: such runs resume exactly only with
    ``num_workers=0``.

    Args: as mmengine's ``EpochBasedTrainLoop``.
    """

    def __init__(
            self,
            runner,
            dataloader: Union[DataLoader, Dict],
            max_epochs: int,
            val_begin: int = 1,
            val_interval: int = 1,
            dynamic_intervals: Optional[List[Tuple[int, int]]] = None) -> None:
        if isinstance(dataloader, dict):
            dataloader = resumable_dataloader_cfg(dataloader)
        super().__init__(runner, dataloader, max_epochs, val_begin,
                         val_interval, dynamic_intervals)

    def _seed(self) -> int:
        """The run's base seed (mmengine updates the randomness config from
        the checkpoint's meta on resume)."""
        cfg = getattr(self.runner, '_randomness_cfg', None) or {}
        seed = cfg.get('seed', None)
        if seed is None:
            seed = self.runner.seed
        return int(seed) % (1 << 32)

    def _reseed(self, key: int) -> None:
        seed_global_rngs(derive_seed(self._seed(), key, get_rank()))

    def run_epoch(self) -> None:
        """Iterate one epoch, starting after the batches a resumed run has
        already trained."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        num = len(self.dataloader)
        start = min(max(self._iter - self._epoch * num, 0), num)
        if start:
            print_log(
                f'Resuming epoch {self._epoch + 1} at batch {start + 1}/'
                f'{num} (iteration {self._iter + 1}): skipping the {start} '
                'batches trained before the checkpoint',
                logger='current')
        if start < num:
            batch_sampler = getattr(self.dataloader, 'batch_sampler', None)
            skipped = hasattr(batch_sampler, 'skip_next')
            if start and skipped:
                batch_sampler.skip_next(start)
            self._reseed(_EPOCH_KEY + self._epoch)
            batches = iter(self.dataloader)
            if start and not skipped:
                print_log(
                    'the training dataloader has no ResumableBatchSampler: '
                    f'loading and dropping {start} batches to skip them',
                    logger='current', level=30)
                for _ in range(start):
                    next(batches)
            for idx in range(start, num):
                self._reseed(self._iter)
                try:
                    data_batch = next(batches)
                except StopIteration:
                    break
                self.run_iter(idx, data_batch)
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
