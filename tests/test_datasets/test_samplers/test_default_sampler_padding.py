"""What docs/sniper_training.md says about mmengine's DefaultSampler with
an epoch length that is not a multiple of world size x batch size."""
import math

import pytest
from mmengine.dataset import DefaultSampler
from torch.utils.data import BatchSampler


def _rank_batches(monkeypatch, length, world, batch, drop_last=False):
    """Batches of each rank of one epoch of ``length`` samples."""
    import mmengine.dataset.sampler as sampler_mod
    out = []
    for rank in range(world):
        monkeypatch.setattr(sampler_mod, 'get_dist_info',
                            lambda r=rank: (r, world))
        sampler = DefaultSampler(list(range(length)), shuffle=True, seed=0)
        out.append(list(BatchSampler(sampler, batch, drop_last)))
    return out


@pytest.mark.parametrize('length,world,batch', [(10, 4, 2), (2938, 8, 16),
                                                (13, 2, 4), (25, 3, 2)])
def test_round_up_repeats_and_last_batch(monkeypatch, length, world, batch):
    per_rank = math.ceil(length / world)
    batches = _rank_batches(monkeypatch, length, world, batch)
    seen = [i for rank in batches for b in rank for i in b]
    # every rank gets ceil(L / W) samples: W * ceil(L / W) - L repeated
    assert all(sum(map(len, rank)) == per_rank for rank in batches)
    assert len(seen) - len(set(seen)) == world * per_rank - length
    assert set(seen) == set(range(length))
    # ceil(ceil(L / W) / B) iterations, the last batch not padded
    assert all(len(rank) == math.ceil(per_rank / batch) for rank in batches)
    assert all(len(rank[-1]) == (per_rank % batch or batch)
               for rank in batches)


@pytest.mark.parametrize('length,world,batch', [(10, 4, 2), (13, 2, 4),
                                                (25, 3, 2)])
def test_drop_last_drops_the_repeats_with_the_partial_batch(
        monkeypatch, length, world, batch):
    per_rank = math.ceil(length / world)
    assert per_rank % batch  # these cases have a partial last batch
    batches = _rank_batches(monkeypatch, length, world, batch, True)
    seen = [i for rank in batches for b in rank for i in b]
    assert len(seen) == len(set(seen))  # nothing trained twice
    assert len(seen) == world * batch * (per_rank // batch) < length
    assert length - len(seen) <= world * (batch - 1)


def test_drop_last_keeps_repeats_without_a_partial_batch(monkeypatch):
    # L=2938, W=8, B=16: 368 = 23 x 16 per rank, the 6 repeats stay
    batches = _rank_batches(monkeypatch, 2938, 8, 16, True)
    seen = [i for rank in batches for b in rank for i in b]
    assert len(seen) - len(set(seen)) == 6


@pytest.mark.parametrize('drop_last', [False, True])
def test_multiple_of_world_times_batch_is_exact(monkeypatch, drop_last):
    batches = _rank_batches(monkeypatch, 2816, 8, 16, drop_last)  # 22x8x16
    seen = sorted(i for rank in batches for b in rank for i in b)
    assert seen == list(range(2816))
    assert all(len(b) == 16 for rank in batches for b in rank)
