# Copyright (c) mmsniper contributors. All rights reserved.
"""A fixed epoch length over a chip count that changes every epoch, for
:class:`~mmsniper.datasets.SniperDataset`.

mmengine's samplers, loops and LR schedules fix the number of iterations
when the dataloader is built; the number of chips ``M`` of an epoch varies.
:func:`epoch_index` maps the ``L`` samples of an epoch onto its chips (a
random ``L`` of them, or all of them plus ``L - M`` repeats);
:func:`epoch_stats` and :func:`log_epoch` describe the result.
"""
import logging
from typing import Dict

import numpy as np
from mmengine.logging import print_log

#: Seed key of the epoch's sample order (apart from the chip seeds).
ORDER_SEED_KEY = 1 << 20


def epoch_index(num_chips: int, length: int, seed: int,
                epoch: int) -> np.ndarray:
    """The chip of each sample of an epoch.

    Args:
        num_chips (int): Chips of the epoch, ``M``.
        length (int): Samples of the epoch, ``L``.
        seed (int): Base seed.
        epoch (int): Epoch; the order is seeded by ``(seed, epoch)``.

    Returns:
        np.ndarray: int64 ``[L]`` chip indices in ``[0, M)``: a permutation
        cut to ``L``, or extended by random repeats.
    """
    rng = np.random.default_rng(
        np.random.SeedSequence([seed, epoch, ORDER_SEED_KEY]))
    order = rng.permutation(num_chips)
    if num_chips >= length:
        return order[:length]
    return np.concatenate(
        [order, rng.integers(0, num_chips, length - num_chips)])


def epoch_stats(chips: Dict[str, np.ndarray], epoch: int, num_images: int,
                length: int) -> dict:
    """Counts of an epoch's chips (``SniperDataset.stats``).

    Args:
        chips (dict): The epoch's columns (see
            :func:`~.epoch_chips.generate_epoch_chips`; ``img``, ``neg``,
            ``scale`` and ``pixels`` are read).
        epoch (int): Epoch.
        num_images (int): Images of the wrapped dataset.
        length (int): The epoch length ``L``.
    """
    m = len(chips['img'])
    num_neg = int(chips['neg'].sum())
    used = np.unique(chips['img'])
    return dict(
        epoch=epoch,
        num_images=num_images,
        images_with_chips=int(len(used)),
        num_chips=m,
        num_pos_chips=m - num_neg,
        num_neg_chips=num_neg,
        chips_per_scale=np.bincount(chips['scale']).tolist(),
        epoch_length=length,
        dropped=max(m - length, 0),
        repeated=max(length - m, 0),
        pixels_per_image=float(chips['pixels'].sum() / max(len(used), 1)))


def log_epoch(stats: dict) -> None:
    """Log :func:`epoch_stats` in one line."""
    s = stats
    print_log(
        f'SniperDataset epoch {s["epoch"]}: {s["num_chips"]} chips '
        f'({s["num_pos_chips"]} positive, {s["num_neg_chips"]} negative; '
        f'per scale {s["chips_per_scale"]}) from {s["images_with_chips"]}/'
        f'{s["num_images"]} images; epoch length {s["epoch_length"]} '
        f'({s["dropped"]} dropped, {s["repeated"]} repeated)',
        logger='current',
        level=logging.INFO)
