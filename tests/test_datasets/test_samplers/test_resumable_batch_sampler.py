"""ResumableBatchSampler: one pass can start part-way, without loading."""
import pytest
from mmengine.dataset import DefaultSampler

from mmsniper.datasets import ResumableBatchSampler


class _Data:

    def __len__(self):
        return 10


def _sampler(epoch=0):
    s = DefaultSampler(_Data(), shuffle=True, seed=3)
    s.set_epoch(epoch)
    return s


def test_skip_applies_to_the_next_pass_only():
    bs = ResumableBatchSampler(_sampler(), batch_size=3)
    full = list(bs)
    assert len(bs) == len(full) == 4 and sum(map(len, full)) == 10
    bs.skip_next(2)
    assert len(bs) == 4  # loops size their schedules by the full pass
    assert list(bs) == full[2:]
    assert list(bs) == full
    bs.skip_next(9)
    assert list(bs) == []
    with pytest.raises(ValueError):
        bs.skip_next(-1)


def test_wraps_a_configured_batch_sampler_and_drop_last():
    bs = ResumableBatchSampler(
        _sampler(), batch_size=4, batch_sampler=None, drop_last=True)
    assert [len(b) for b in bs] == [4, 4]
    from torch.utils.data import BatchSampler
    inner = BatchSampler(_sampler(), 4, False)
    assert list(ResumableBatchSampler(_sampler(), 4,
                                      batch_sampler=inner)) == list(inner)
