# Copyright (c) mmsniper contributors. All rights reserved.
"""Random seeds derived from keys, for runs that resume bit-exactly.

A training sample or step whose random draws come from a seed derived from
``(seed, epoch, index)`` gives the same draws whether it runs in a straight
run, after a kill and ``--resume``, in another dataloader worker or on
another rank. Two helpers:

- :func:`derive_seed`: a 32-bit seed from a tuple of non-negative ints
  (numpy's ``SeedSequence`` hashing, so nearby keys give unrelated seeds).
- :func:`seed_global_rngs` / :func:`local_seed`: seed python's ``random``,
  numpy's global RNG and torch's CPU generator (and the CUDA generators
  with ``torch.manual_seed``), for good or inside a ``with`` block that
  restores the previous states.
"""
import contextlib
import random
from typing import Iterator

import numpy as np
import torch


def derive_seed(*keys: int) -> int:
    """A seed in ``[0, 2**32)`` from non-negative integer keys.

    Args:
        *keys (int): e.g. ``(base_seed, epoch, sample_index)``.

    Returns:
        int: The derived seed.
    """
    ints = [int(k) for k in keys]
    if any(k < 0 for k in ints):
        raise ValueError(f'seed keys must be non-negative, got {keys}')
    return int(np.random.SeedSequence(ints).generate_state(1, np.uint32)[0])


def seed_global_rngs(seed: int) -> None:
    """Seed ``random``, ``np.random`` and torch (CPU and CUDA) with
    ``seed``."""
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.manual_seed(seed)


@contextlib.contextmanager
def local_seed(seed: int) -> Iterator[None]:
    """Run a block with ``random``, ``np.random`` and torch's CPU generator
    seeded by ``seed``; their previous states are restored afterwards, so
    the block neither depends on nor disturbs the surrounding draws.

    CUDA generators are not touched (data pipelines run on the CPU).
    """
    py_state = random.getstate()
    np_state = np.random.get_state()
    torch_state = torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed % (1 << 32))
    torch.random.default_generator.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
        torch.set_rng_state(torch_state)
