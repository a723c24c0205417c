# Copyright (c) mmsniper contributors. All rights reserved.
"""A batch sampler that can start a pass part-way: :class:`ResumableBatchSampler`."""
import itertools
from typing import Iterator, List, Optional, Union

from torch.utils.data import BatchSampler, Sampler
from mmdet.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class ResumableBatchSampler(Sampler):
    """Wrap a batch sampler so that one pass can skip its first batches
    without loading them.

    :class:`~mmsniper.engine.ResumableEpochBasedTrainLoop` puts it around
    the training dataloader's batch sampler: after a resume from a
    checkpoint saved in the middle of an epoch, :meth:`skip_next` makes the
    next pass start at the batch the killed run would have trained next.
    Only indices are drawn for the skipped batches (the wrapped sampler's
    order is a function of its seed and epoch), no image is read.

    Args:
        sampler (Sampler): The sampler (e.g. mmengine's ``DefaultSampler``).
        batch_size (int): Samples per batch.
        batch_sampler (dict | Sampler, optional): The batch sampler to wrap,
            as a config (built with ``sampler`` and ``batch_size``) or an
            object. Defaults to None (torch's ``BatchSampler``, which is what
            mmengine uses when the dataloader has no ``batch_sampler``).
        drop_last (bool): ``drop_last`` of torch's ``BatchSampler`` (only
            without ``batch_sampler``). Defaults to False.
    """

    def __init__(self,
                 sampler: Sampler,
                 batch_size: int,
                 batch_sampler: Optional[Union[dict, Sampler]] = None,
                 drop_last: bool = False) -> None:
        if batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif isinstance(batch_sampler, dict):
            batch_sampler = DATA_SAMPLERS.build(
                batch_sampler,
                default_args=dict(sampler=sampler, batch_size=batch_size))
        self.sampler = sampler
        self.batch_size = batch_size
        self.batch_sampler = batch_sampler
        self._skip = 0

    def skip_next(self, num_batches: int) -> None:
        """Make the next pass (only) skip its first ``num_batches``."""
        if num_batches < 0:
            raise ValueError(f'num_batches must be >= 0, got {num_batches}')
        self._skip = int(num_batches)

    def __iter__(self) -> Iterator[List[int]]:
        skip, self._skip = self._skip, 0
        return itertools.islice(iter(self.batch_sampler), skip, None)

    def __len__(self) -> int:
        """Batches of a full pass (also while a skip is pending: loops size
        their schedules by it)."""
        return len(self.batch_sampler)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(batch_size={self.batch_size}, '
                f'batch_sampler={type(self.batch_sampler).__name__})')
