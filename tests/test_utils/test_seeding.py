# Copyright (c) mmsniper contributors. All rights reserved.
"""Seeds derived from keys and the global generators seeded for good or
inside a block (:mod:`mmsniper.utils.seeding`)."""
import random

import numpy as np
import pytest
import torch

from mmsniper.utils.seeding import derive_seed, local_seed, seed_global_rngs


@pytest.fixture(autouse=True)
def _keep_global_states():
    """These tests reseed the global generators: put them back after."""
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    yield
    random.setstate(states[0])
    np.random.set_state(states[1])
    torch.set_rng_state(states[2])


def _draws():
    """One draw of each global generator."""
    return (random.random(), float(np.random.random()),
            float(torch.rand(1)))


def _fresh_draws(seed):
    """The same draws from fresh generators seeded with ``seed``."""
    g = torch.Generator().manual_seed(seed)
    return (random.Random(seed).random(),
            float(np.random.RandomState(seed % (1 << 32)).random_sample()),
            float(torch.rand(1, generator=g)))


def test_derive_seed_is_numpy_seed_sequence():
    for keys in ((0, ), (7, 0, 3), (2**40, 5)):
        want = int(np.random.SeedSequence(list(keys)).generate_state(
            1, np.uint32)[0])
        assert derive_seed(*keys) == want
    s = derive_seed(1, 2, 3)
    assert type(s) is int and 0 <= s < 2**32
    assert derive_seed(np.int64(1), 2.0, 3) == s  # int-like keys
    # order and every key matter (nearby keys give unrelated seeds)
    seeds = {derive_seed(0, e, i) for e in range(3) for i in range(3)}
    assert len(seeds) == 9
    assert derive_seed(1, 2) != derive_seed(2, 1)


def test_derive_seed_refuses_negative_keys():
    with pytest.raises(ValueError, match=r'seed keys must be non-negative, '
                       r'got \(1, -1\)'):
        derive_seed(1, -1)


def test_seed_global_rngs():
    seed_global_rngs(123)
    assert _draws() == _fresh_draws(123)
    # a seed past 32 bits: numpy takes it modulo 2**32
    seed_global_rngs(2**32 + 5)
    assert _draws() == _fresh_draws(2**32 + 5)
    assert _fresh_draws(2**32 + 5)[1] == _fresh_draws(5)[1]


def test_local_seed_restores_the_outer_streams():
    seed_global_rngs(1)
    expected_outer = _draws() + _draws()
    seed_global_rngs(1)
    first = _draws()
    with local_seed(42):
        inner = _draws()
    second = _draws()
    assert inner == _fresh_draws(42)
    assert first + second == expected_outer  # the outer draws are untouched
    # the block's draws do not depend on the surrounding state either
    seed_global_rngs(999)
    with local_seed(42):
        assert _draws() == inner


def test_local_seed_restores_on_error():
    seed_global_rngs(3)
    want = _draws()
    seed_global_rngs(3)
    with pytest.raises(RuntimeError, match='boom'):
        with local_seed(8):
            _draws()
            raise RuntimeError('boom')
    assert _draws() == want
