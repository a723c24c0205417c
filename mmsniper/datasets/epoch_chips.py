# Copyright (c) mmsniper contributors. All rights reserved.
"""The chips of every image for one epoch of
:class:`~mmsniper.datasets.SniperDataset`: positive chips with
:func:`~mmsniper.chips.generate_chips`, then negative chips with the
:class:`~mmsniper.datasets.transforms.NegChipMine` transform, image by
image, optionally in a process pool.

**Images without chips.** An image gets positive chips at a scale only
if it has a valid box there (in the scale's valid range, not crowd, not
degenerate). Images with no box, only crowd boxes or only out-of-range
boxes therefore get no positive chip; with negative chips on they can
still get negative chips from their proposals; otherwise they are
skipped for the epoch (counted in the log). Set the wrapped dataset's
``filter_cfg.filter_empty_gt=False`` to let box-less images give
negative chips.

**Negative chips** (``use_neg_chips=True``): proposals of every image
come from ``proposal_file`` (written by ``tools/extract_proposals.py``,
format in :mod:`mmsniper.datasets.proposals`), loaded and validated in
``SniperDataset.full_init``, i.e. before training starts. At every epoch
the :class:`~mmsniper.datasets.transforms.NegChipMine` transform built from
``neg_chip_mine`` mines each image's negative chips from its proposals and
its positive chips of the epoch, seeded by ``(seed, epoch, image index)``
(:func:`chips_of_images`). An image whose proposal array is empty gets no
negative chip.

Shape shorthands: ``I`` images, ``M`` chips of the epoch (all images),
``N_i`` boxes of image ``i``.
"""
import inspect
import logging
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log
from mmdet.registry import TRANSFORMS

from ..chips import DEFAULT_CHIP_SIZE, generate_chips
from ..utils.checks import check_keys
from ..utils.seeding import derive_seed
from .transforms.neg_chip_mine import NegChipMine, pos_chip_keys

#: ``chip_cfg`` keys that ``NegChipMine`` shares (filled in from it).
SHARED_KEYS = ('valid_ranges', 'chip_size', 'prune', 'coarsest_whole_image',
               'min_box_side', 'backend')
#: The old ``neg_chip_cfg`` keys and the ``NegChipMine`` argument of each.
LEGACY_NEG_KEYS = {
    'num_neg_chips': 'num_neg_chips',
    'neg_min_proposals': 'min_proposals'
}
#: Seed key of the negative mining (apart from the chip and sample seeds;
#: not 0: ``SeedSequence`` ignores trailing zeros).
NEG_SEED_KEY = 3


def build_neg_chip_mine(neg_chip_mine: Union[None, dict, NegChipMine],
                        chip_cfg: dict,
                        neg_chip_cfg: Optional[dict] = None) -> NegChipMine:
    """The ``NegChipMine`` of a SniperDataset.

    Args:
        neg_chip_mine (dict | NegChipMine, optional): Its transform config
            (``dict(type='NegChipMine', num_neg_chips=2, ...)``) or
            instance; None: the defaults.
        chip_cfg (dict): The dataset's ``chip_cfg``; its :data:`SHARED_KEYS`
            (or ``generate_chips``' defaults) are passed to the transform,
            which must not set them otherwise.
        neg_chip_cfg (dict, optional): The old form (``num_neg_chips``,
            ``neg_min_proposals``), mapped to ``NegChipMine`` arguments with
            a deprecation warning. Defaults to None.

    Returns:
        NegChipMine: The transform.

    Raises:
        KeyError: For unknown ``neg_chip_cfg`` keys.
        ValueError: When both forms are given, the config is not a
            ``NegChipMine``, or it contradicts ``chip_cfg``.
    """
    if neg_chip_cfg:
        check_keys('neg_chip_cfg', neg_chip_cfg, LEGACY_NEG_KEYS)
        if neg_chip_mine is not None:
            raise ValueError(
                'SniperDataset got both neg_chip_cfg (the old form) and '
                'neg_chip_mine; set only neg_chip_mine=dict(type='
                "'NegChipMine', num_neg_chips=..., min_proposals=...)")
        print_log('SniperDataset: neg_chip_cfg is deprecated; use '
                  "neg_chip_mine=dict(type='NegChipMine', num_neg_chips=..., "
                  'min_proposals=...)', logger='current',
                  level=logging.WARNING)
        neg_chip_mine = dict(type='NegChipMine', **{
            LEGACY_NEG_KEYS[k]: v
            for k, v in neg_chip_cfg.items()
        })
    params = inspect.signature(generate_chips).parameters
    geometry = {k: chip_cfg.get(k, params[k].default) for k in SHARED_KEYS}
    if isinstance(neg_chip_mine, NegChipMine):
        mine = neg_chip_mine
    else:
        cfg = dict(neg_chip_mine or {})
        cfg.setdefault('type', 'NegChipMine')
        if cfg['type'] not in ('NegChipMine', NegChipMine):
            raise ValueError(f"neg_chip_mine must be a NegChipMine config, "
                             f"got type={cfg['type']!r}")
        mine = TRANSFORMS.build(dict(geometry, **cfg))
    for k, v in geometry.items():
        if not _same(getattr(mine, k), v):
            raise ValueError(
                f'neg_chip_mine has {k}={getattr(mine, k)!r} but the chips '
                f'use {v!r} (chip_cfg); the negative chips take the chip_cfg '
                'geometry: leave it out of neg_chip_mine')
    return mine


def _same(a, b) -> bool:
    """Equal config values (tuples and lists alike)."""
    try:
        return np.array_equal(np.asarray(a, dtype=np.float64),
                              np.asarray(b, dtype=np.float64))
    except (TypeError, ValueError):
        return a == b


def chip_of_epoch(chips: Dict[str, np.ndarray], k: int,
                  chip_size: int) -> dict:
    """The ``SnipChipCrop`` keys of chip ``k`` of an epoch (see
    :class:`~mmsniper.datasets.SniperDataset`), plus ``img_idx``.

    Args:
        chips (dict): The epoch's columns (:func:`generate_epoch_chips`).
        k (int): Chip index, in ``[0, M)``.
        chip_size (int): The padded input side.
    """
    lo, hi = chips['valid_ptr'][k], chips['valid_ptr'][k + 1]
    return dict(
        img_idx=int(chips['img'][k]),
        chip=chips['chip'][k].astype(np.float32),
        chip_scaled=chips['chip_scaled'][k].astype(np.int32),
        chip_scale_idx=int(chips['scale'][k]),
        chip_factor=float(chips['factor'][k]),
        chip_size=int(chip_size),
        chip_is_negative=bool(chips['neg'][k]),
        chip_valid_inds=chips['valid'][lo:hi].copy())


def chips_of_images(*, inds: Sequence[int], img_ids: Sequence,
                    boxes: Sequence[np.ndarray], shapes: np.ndarray,
                    ignore: Sequence[np.ndarray],
                    props: Optional[Sequence[Optional[np.ndarray]]],
                    seed: int, epoch: int, chip_cfg: dict,
                    mine: Optional[NegChipMine]
                    ) -> Optional[Dict[str, np.ndarray]]:
    """Chips of a range of images: flat columns, or None when none of them
    has a chip.

    Image ``i``'s positive chips are seeded by ``SeedSequence([seed, epoch,
    i])``, its negative chips by ``chip_seed = derive_seed(seed, epoch, i,
    NEG_SEED_KEY)``: a function of ``(seed, epoch, i)`` only.

    Args:
        inds (Sequence[int]): The images' indices in the dataset.
        img_ids (Sequence): Their ``img_id``.
        boxes (Sequence[np.ndarray]): Their float32 ``[N_i, 4]`` boxes.
        shapes (np.ndarray): int64 ``[len(inds), 2]`` ``(h, w)``.
        ignore (Sequence[np.ndarray]): Their bool ``[N_i]`` ignore flags.
        props (Sequence, optional): Their ``[P, 5]`` proposals or None (no
            negative chips for that image); None: no negatives.
        seed (int): Base seed.
        epoch (int): Epoch.
        chip_cfg (dict): ``generate_chips`` arguments.
        mine (NegChipMine, optional): Negative chip miner; None: none.
    """
    chip_size = int(chip_cfg.get('chip_size', DEFAULT_CHIP_SIZE))
    cols: Dict[str, list] = {
        k: []
        for k in ('img', 'chip', 'chip_scaled', 'scale', 'factor', 'neg',
                  'valid', 'pixels')
    }

    def add(i: int, chips, scaled, scale, factor, neg, valid) -> None:
        cols['img'].append(np.full(len(chips), i, np.int64))
        cols['chip'].append(chips)
        cols['chip_scaled'].append(scaled)
        cols['scale'].append(scale)
        cols['factor'].append(factor)
        cols['neg'].append(np.full(len(chips), neg))
        cols['valid'].extend(valid)
        hw = np.stack([scaled[:, 3] - scaled[:, 1],
                       scaled[:, 2] - scaled[:, 0]], 1)
        hw = np.maximum(hw, chip_size).astype(np.float64)
        cols['pixels'].append(hw[:, 0] * hw[:, 1])

    for j, i in enumerate(inds):
        res = generate_chips(
            boxes[j],
            tuple(int(v) for v in shapes[j]),
            gt_ignore_flags=ignore[j],
            seed=np.random.SeedSequence([seed, epoch, i]),
            **chip_cfg)
        if len(res):
            add(i, res.chips, res.chips_scaled, res.scale_inds, res.factors,
                False, res.valid_inds)
        if mine is None or props is None or props[j] is None:
            continue  # negatives off, or an image dropped by the pre-flight
        out = mine(
            dict(
                img_id=img_ids[j],
                proposals=props[j],
                chip_seed=derive_seed(seed, epoch, i, NEG_SEED_KEY),
                **pos_chip_keys(res)))
        scale = out['neg_chip_scale_inds']
        if len(scale):
            add(i, out['neg_chips'], out['neg_chips_scaled'], scale,
                res.factors_per_scale[scale], True,
                [np.zeros(0, np.int64)] * len(scale))
    if not cols['img']:
        return None
    out = {k: np.concatenate(v) for k, v in cols.items() if k != 'valid'}
    lens = np.array([len(v) for v in cols['valid']], np.int64)
    out['valid_ptr'] = np.concatenate([[0], np.cumsum(lens)])
    out['valid'] = (
        np.concatenate(cols['valid']).astype(np.int64)
        if lens.sum() else np.zeros(0, np.int64))
    return out


def _run_job(job: dict) -> Optional[Dict[str, np.ndarray]]:
    """:func:`chips_of_images` on a job's keyword arguments (a picklable
    function for a process pool)."""
    return chips_of_images(**job)


def generate_epoch_chips(anns,
                         proposals: Optional[Sequence[Optional[np.ndarray]]],
                         seed: int,
                         epoch: int,
                         chip_cfg: dict,
                         mine: Optional[NegChipMine] = None,
                         workers: int = 0) -> Dict[str, np.ndarray]:
    """All chips of all images for ``epoch``.

    Args:
        anns: Per-image ``img_ids``, ``boxes``, ``shapes``, ``ignore`` (the
            dataset's annotation table), ``len(anns)`` images.
        proposals (Sequence, optional): Per image ``[P, 5]`` proposals or
            None (no negative chips for that image); None: no negatives.
        seed (int): Base seed.
        epoch (int): Epoch.
        chip_cfg (dict): ``generate_chips`` arguments.
        mine (NegChipMine, optional): Negative chip miner; None: no
            negatives.
        workers (int): Processes (fork); the result does not depend on it.

    Returns:
        dict: Flat arrays of length ``M`` in image order (``img``, ``chip``,
        ``chip_scaled``, ``scale``, ``factor``, ``neg``, ``pixels``), and
        ``valid`` / ``valid_ptr`` (the valid boxes of chip ``k`` are
        ``valid[valid_ptr[k]:valid_ptr[k + 1]]``).

    Raises:
        RuntimeError: When no image has a chip.
    """
    n = len(anns)
    workers = min(workers, n)
    bounds = np.linspace(0, n, max(workers, 1) * 4 + 1).astype(int)
    jobs: List[dict] = [  # keyword arguments of chips_of_images
        dict(inds=range(a, b), img_ids=anns.img_ids[a:b],
             boxes=anns.boxes[a:b], shapes=anns.shapes[a:b],
             ignore=anns.ignore[a:b],
             props=None if proposals is None else proposals[a:b],
             seed=seed, epoch=epoch, chip_cfg=chip_cfg, mine=mine)
        for a, b in zip(bounds[:-1], bounds[1:]) if b > a
    ]
    if workers > 1:
        import multiprocessing as mp
        with mp.get_context('fork').Pool(workers) as pool:
            parts = pool.map(_run_job, jobs)
    else:
        parts = [chips_of_images(**job) for job in jobs]
    parts = [p for p in parts if p is not None]
    if not parts:
        raise RuntimeError(
            f'SniperDataset: no chip in any of the {n} images at epoch '
            f'{epoch}; check chip_cfg (scales, valid_ranges) against '
            'the box sizes of the dataset')
    out = {
        k: np.concatenate([p[k] for p in parts])
        for k in parts[0] if k != 'valid_ptr'
    }
    lens = np.concatenate([np.diff(p['valid_ptr']) for p in parts])
    out['valid_ptr'] = np.concatenate([[0], np.cumsum(lens)])
    return out
