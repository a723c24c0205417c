# Copyright (c) mmsniper contributors. All rights reserved.
"""SNIPER's on-the-fly chip dataset: :class:`SniperDataset`.

Shape shorthands: ``I`` images of the wrapped dataset, ``M`` chips of the
current epoch (all images), ``L`` samples per epoch (the epoch length).
"""
import copy
import logging
from typing import (Callable, Dict, Hashable, List, Optional, Sequence,
                    Tuple, Union)

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmdet.registry import DATASETS

from ..utils.seeding import derive_seed, local_seed
from .epoch_chips import build_neg_chip_mine, generate_epoch_chips
from .preflight import check_dataset, resolve_policy
from .preflight_wrappers import guard_parse, lazy_dataset_cfg, leaf_datasets
from .proposals import load_proposals
from .transforms.neg_chip_mine import NegChipMine

#: ``generate_chips`` arguments that ``chip_cfg`` may set.
CHIP_CFG_KEYS = ('scales', 'valid_ranges', 'chip_size', 'stride', 'prune',
                 'coarsest_whole_image', 'min_box_side', 'backend')
#: Seed key of the per-sample pipeline seeds (apart from the chip seeds).
_SAMPLE_KEY = 2


def _unwrap(dataset, idx: int) -> Tuple[object, int]:
    """The leaf dataset (the one with a ``pipeline``) holding sample ``idx``
    of ``dataset`` and the index there; goes through mmengine's
    ``ConcatDataset`` / ``RepeatDataset`` / ``ClassBalancedDataset``."""
    while not hasattr(dataset, 'pipeline'):
        if hasattr(dataset, 'datasets'):  # ConcatDataset
            ds_idx, idx = dataset._get_ori_dataset_idx(idx)
            dataset = dataset.datasets[ds_idx]
        elif hasattr(dataset, 'dataset') and hasattr(dataset,
                                                     '_get_ori_dataset_idx'):
            idx = dataset._get_ori_dataset_idx(idx)
            dataset = dataset.dataset
        else:
            raise TypeError(
                f'SniperDataset cannot find the pipeline of '
                f'{type(dataset).__name__}; wrap an mmdet dataset '
                '(BaseDetDataset) or an mmengine ConcatDataset of them')
    return dataset, idx


class _ImageAnns:
    """Boxes, ignore flags and sizes of every image, read once from the
    wrapped dataset's annotations (no image is loaded). ``plan(i, info)``
    returns the repaired ``info`` and whether image ``i`` is dropped (then
    it has no boxes: no chips)."""

    def __init__(self, dataset, plan: Optional[Callable] = None) -> None:
        self.img_ids: List[Hashable] = []
        self.shapes = np.zeros((len(dataset), 2), dtype=np.int64)
        self.boxes: List[np.ndarray] = []
        self.ignore: List[np.ndarray] = []
        for i in range(len(dataset)):
            info, dropped = (dataset.get_data_info(i), False)
            if plan is not None:
                info, dropped = plan(i, info)
            if 'height' not in info or 'width' not in info:
                raise KeyError(
                    f'SniperDataset needs the image size in the annotations '
                    f'("height" and "width" of data_info); image '
                    f'{info.get("img_id", i)!r} has keys {sorted(info)}')
            self.img_ids.append(info.get('img_id', i))
            self.shapes[i] = int(info['height']), int(info['width'])
            inst = [] if dropped else info.get('instances', [])
            self.boxes.append(
                np.array([x['bbox'] for x in inst],
                         dtype=np.float32).reshape(-1, 4))
            self.ignore.append(
                np.array([bool(x.get('ignore_flag', 0)) for x in inst],
                         dtype=bool))

    def __len__(self) -> int:
        return len(self.img_ids)


@DATASETS.register_module()
class SniperDataset:
    """SNIPER chips of an mmdet dataset, regenerated at every epoch.

    Index ``i`` is one (image, chip) pair of the current epoch. At every
    epoch (:meth:`set_epoch`, called by
    :class:`~mmsniper.engine.ChipRebuildHook`) the chips of every image are
    generated from the annotations of the wrapped dataset with
    :func:`mmsniper.chips.generate_chips` (new stride jitter, greedy
    tie-break shuffle and negative sample), then shuffled. Everything is
    seeded by ``(seed, epoch, image index)``, so all distributed ranks build
    the same list without communicating. Nothing is written to disk and no
    image is read for this.

    A sample is produced by the wrapped (leaf) dataset's own pipeline, run
    on its ``data_info`` plus these keys, which
    :class:`~mmsniper.datasets.transforms.SnipChipCrop` consumes:

    - ``chip`` (np.float32 ``[4]``): x1y1x2y2 in original-image pixels.
    - ``chip_scaled`` (np.int32 ``[4]``): the chip in the pixels of the image
      resized by ``chip_factor`` (exact crop window).
    - ``chip_scale_idx`` (int), ``chip_factor`` (float), ``chip_size``
      (int, the padded input side), ``chip_is_negative`` (bool).
    - ``chip_valid_inds`` (np.int64 ``[n]``): indices into the image's
      ``instances`` of the boxes this chip trains on; every other box that
      overlaps the chip is ignored (out of range, assigned to another chip,
      cut by the chip), except those ``SnipChipCrop`` drops (crowd, under
      ``min_box_side``; see ``docs/ignore_rule.md``).

    **Epoch length.** mmengine's samplers and the iteration count of the
    loops and LR schedules are fixed when the dataloader is built, but the
    number of chips changes from epoch to epoch. Like the original (which
    sized its schedule by the first epoch's chip count) the length ``L`` is
    the chip count of epoch 0 (``epoch_length='first'``) or a given int.
    An epoch with more chips than ``L`` uses a random ``L`` of them; one
    with fewer repeats randomly chosen chips to reach ``L`` (both logged).

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
    :meth:`full_init`, i.e. before training starts. At every epoch the
    :class:`~mmsniper.datasets.transforms.NegChipMine` transform built from
    ``neg_chip_mine`` mines each image's negative chips from its proposals
    and its positive chips of the epoch, seeded by ``(seed, epoch, image
    index)`` (:mod:`mmsniper.datasets.epoch_chips`). An image whose
    proposal array is empty gets no negative chip.

    **Pre-flight check** (:mod:`mmsniper.datasets.preflight`, see
    ``docs/sniper_training.md``): in :meth:`full_init`, before the wrapped
    dataset loads its annotations (a config dict is built with
    ``lazy_init=True``), every leaf dataset is checked: image files
    (missing, unreadable, truncated), declared sizes, boxes. Per the policy
    it raises (default for image and size problems), or drops bad images
    (no chips) and bad boxes and clips partly outside ones (default for box
    problems, with a warning). Boxes mmdet keeps but the check rejects
    (NaN/inf) are removed from ``instances`` both for the chips and in
    :meth:`get_data_info` / :meth:`prepare_data`, so ``chip_valid_inds``
    index the same list. The result is in ``preflight_report`` (a list for
    several leaves).

    Args:
        dataset (dict | BaseDataset): The wrapped mmdet dataset (any
            ``BaseDetDataset``: CocoDataset, VOCDataset, a COCO json, or an
            mmengine ``ConcatDataset`` of them). Its pipeline must contain
            ``SnipChipCrop`` after the loading transforms.
        chip_cfg (dict, optional): Chip generation: ``scales``,
            ``valid_ranges``, ``chip_size``, ``stride`` (int or inclusive
            range drawn per image and epoch), ``prune``,
            ``coarsest_whole_image``, ``min_box_side``, ``backend`` (see
            :func:`~mmsniper.chips.generate_chips`). Defaults to None (the
            COCO defaults: scales ``(3.0, 1.667, 512)``, 512 chips). The
            ``dict(from_block='sniper')`` of the shipped configs is replaced
            by the config's ``sniper`` block (:func:`~mmsniper.engine.
            resolve_sniper_block`); left unresolved, it is an error.
        use_neg_chips (bool): Add negative chips mined from proposals.
            Defaults to False.
        proposal_file (str, optional): Proposal file; required when
            ``use_neg_chips``. Defaults to None.
        neg_chip_mine (dict | NegChipMine, optional): The negative chip
            miner, a transform config such as ``dict(type='NegChipMine',
            num_neg_chips=2, min_proposals=None)``; the chip geometry
            (``valid_ranges``, ``chip_size``, ...) comes from ``chip_cfg``.
            Defaults to None (``NegChipMine()``'s defaults).
        neg_chip_cfg (dict, optional): Deprecated old form of
            ``neg_chip_mine`` (``num_neg_chips``, ``neg_min_proposals``),
            still accepted with a warning; not together with it.
            Defaults to None.
        epoch_length (str | int): ``'first'`` or a fixed number of samples
            per epoch. Defaults to ``'first'``.
        seed (int): Base seed of the chip lists. Defaults to 0.
        chip_workers (int): Processes (fork) generating an epoch's chips
            (every rank builds the whole list); the result does not depend
            on it. Defaults to 0 (in this process).
        max_refetch (int): Samples tried after one whose pipeline returns
            None. Defaults to 15.
        lazy_init (bool): Defer loading annotations / generating epoch 0
            to :meth:`full_init`. Defaults to False.
        backend_args (dict, optional): File backend of ``proposal_file``.
        preflight (dict | bool, optional): Options of the pre-flight check
            (:data:`~mmsniper.datasets.preflight.OPTION_KEYS`: a policy
            ``'error'`` / ``'warn'`` / ``'drop'`` per class ``image``,
            ``size``, ``box`` or per reason, ``decode``, ``check_images``);
            True: the defaults; None or False: no check. Defaults to True.

    Examples:
        >>> train_dataloader = dict(
        ...     batch_size=16,
        ...     sampler=dict(type='DefaultSampler', shuffle=True),
        ...     dataset=dict(
        ...         type='SniperDataset',
        ...         chip_cfg=dict(scales=(3.0, 1.667, 512),
        ...                       valid_ranges=((-1, 80), (32, 150),
        ...                                     (120, -1)),
        ...                       chip_size=512, stride=(56, 59)),
        ...         use_neg_chips=True,
        ...         proposal_file='data/coco/proposals/train2017.pkl',
        ...         neg_chip_mine=dict(type='NegChipMine', num_neg_chips=2),
        ...         dataset=dict(type='CocoDataset', ...,
        ...                      pipeline=train_pipeline)))
        >>> custom_hooks = [dict(type='ChipRebuildHook')]
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 chip_cfg: Optional[dict] = None,
                 use_neg_chips: bool = False,
                 proposal_file: Optional[str] = None,
                 neg_chip_mine: Union[None, dict, NegChipMine] = None,
                 neg_chip_cfg: Optional[dict] = None,
                 epoch_length: Union[str, int] = 'first',
                 seed: int = 0,
                 chip_workers: int = 0,
                 max_refetch: int = 15,
                 lazy_init: bool = False,
                 backend_args: Optional[dict] = None,
                 preflight: Union[dict, bool, None] = True) -> None:
        if isinstance(chip_cfg, dict) and 'from_block' in chip_cfg:
            raise ValueError(
                f'SniperDataset: chip_cfg={dict(chip_cfg)!r} stands for the '
                "config's `sniper` block, which was not resolved: build the "
                'config with SniperRunner (runner_type of the SNIPER '
                "configs: mmdet's and mmsniper's tools/train.py and "
                'tools/test.py do), with mmsniper\'s tools '
                '(tools/analysis/browse_dataset.py for browsing chips), or '
                'call mmsniper.engine.resolve_sniper_block(cfg) before '
                'building the dataset')
        self.preflight = None if preflight in (None, False) else dict(
            {} if preflight is True else preflight)
        if self.preflight is not None:
            resolve_policy(self.preflight)  # unknown keys fail here
        if isinstance(dataset, dict):  # loaded after the pre-flight check
            dataset = DATASETS.build(lazy_dataset_cfg(dataset))
        self.dataset = dataset
        self.chip_cfg = self._check_keys('chip_cfg', chip_cfg, CHIP_CFG_KEYS)
        self.neg_chip_mine = build_neg_chip_mine(neg_chip_mine,
                                                 self.chip_cfg, neg_chip_cfg)
        self.use_neg_chips = bool(use_neg_chips)
        if self.use_neg_chips and not proposal_file:
            raise ValueError('use_neg_chips=True needs a proposal_file '
                             '(see tools/extract_proposals.py)')
        self.proposal_file = proposal_file
        if not (epoch_length == 'first' or
                (isinstance(epoch_length, int) and epoch_length > 0)):
            raise ValueError(f"epoch_length must be 'first' or a positive "
                             f'int, got {epoch_length!r}')
        self.epoch_length = epoch_length
        self.seed = int(seed)
        self.chip_workers = int(chip_workers)
        self.max_refetch = max_refetch
        self.backend_args = backend_args
        self.epoch = -1
        self.stats: Dict[str, object] = {}
        self._metainfo = dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @staticmethod
    def _check_keys(name: str, cfg: Optional[dict],
                    allowed: Sequence[str]) -> dict:
        cfg = dict(cfg or {})
        unknown = sorted(set(cfg) - set(allowed))
        if unknown:
            raise KeyError(f'{name} has unknown keys {unknown}; allowed: '
                           f'{list(allowed)}')
        return cfg

    @property
    def metainfo(self) -> dict:
        """Meta information of the wrapped dataset."""
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Load the annotations (and the proposals), build epoch 0 and fix
        the epoch length. Raises here, before training, on a bad proposal
        file or a dataset without any chip, and on the pre-flight check's
        ``error`` problems (before the wrapped dataset loads anything)."""
        if self._fully_initialized:
            return
        guarded = self._run_preflight()
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        for leaf in guarded:  # back to the class's parse_data_info
            del leaf.parse_data_info
        self._repairs: Dict[int, Tuple[List[int], Optional[tuple]]] = {}
        self._dropped_imgs: set = set()
        self._anns = _ImageAnns(self.dataset, self._plan_repairs)
        self._proposals: Optional[List[np.ndarray]] = None
        if self.use_neg_chips:
            table = load_proposals(
                self.proposal_file,
                self._anns.img_ids,
                backend_args=self.backend_args)
            self._proposals = [
                None if i in self._dropped_imgs else table[img_id]
                for i, img_id in enumerate(self._anns.img_ids)
            ]
        self._num_samples = 0
        self._fully_initialized = True
        self.set_epoch(0)

    # ------------------------------------------------------------------
    # pre-flight check
    def _run_preflight(self) -> list:
        """Check every leaf dataset (:func:`~.preflight.check_dataset`), log
        the reports, raise on ``error`` problems; returns the leaves whose
        ``parse_data_info`` was guarded (see
        :func:`~.preflight_wrappers.guard_parse`)."""
        self._reports: Dict[int, object] = {}
        self.preflight_report = None
        if self.preflight is None:
            return []
        leaves = leaf_datasets(self.dataset)
        reports = [check_dataset(leaf, self.preflight) for leaf in leaves]
        for rep in reports:
            rep.log()
        for rep in reports:
            rep.raise_on_error()
        self._reports = {id(leaf): r for leaf, r in zip(leaves, reports)}
        self.preflight_report = reports[0] if len(reports) == 1 else reports
        return [leaf for leaf, r in zip(leaves, reports)
                if guard_parse(leaf, r)]

    def _plan_repairs(self, img_idx: int, info: dict) -> Tuple[dict, bool]:
        """Map the pre-flight verdicts (keyed by ``img_id``) onto image
        ``img_idx`` of the wrapped dataset, called once per image by
        :class:`_ImageAnns`: records the repair of its loaded ``instances``
        and returns the repaired ``info`` and whether it is dropped."""
        rep = self._reports.get(id(_unwrap(self.dataset, img_idx)[0])) \
            if self._reports else None
        img_id = info.get('img_id')
        if rep is None:
            return info, False
        if img_id in rep.bad_images:
            self._dropped_imgs.add(img_idx)
            return info, True
        if img_id not in rep.repairs:
            return info, False
        num, drop, clip = rep.repairs[img_id]
        inst = info.get('instances', [])
        if len(inst) == num:
            keep = [k for k in range(num) if k not in drop]
        else:  # a dataset loading other boxes than mmdet's CocoDataset
            print_log(f'SniperDataset: image {img_id} has {len(inst)} boxes, '
                      f'the pre-flight check expected {num}; dropping the '
                      'non-finite ones and clipping the others by value',
                      logger='current', level=logging.WARNING)
            keep = [k for k, x in enumerate(inst)
                    if np.isfinite(np.asarray(x['bbox'], float)).all()]
            clip = True
        wh = (float(info['width']), float(info['height'])) if clip else None
        self._repairs[img_idx] = (keep, wh)
        return self._repair_instances(img_idx, info), False

    def _repair_instances(self, img_idx: int, info: dict) -> dict:
        """``info`` of image ``img_idx`` with the pre-flight repairs: boxes
        mmdet keeps but the check drops (NaN/inf) removed, partly outside
        ones clipped to the image; ``info`` itself for a clean image."""
        if img_idx not in self._repairs:
            return info
        keep, wh = self._repairs[img_idx]
        inst = [dict(info['instances'][k]) for k in keep]
        if wh is not None:
            for x in inst:
                b = np.asarray(x['bbox'], np.float64)
                x['bbox'] = np.clip(b, 0, wh * 2).tolist()
        return dict(info, instances=inst)

    # ------------------------------------------------------------------
    # per-epoch chip lists
    def _generate_epoch(self, epoch: int) -> Dict[str, np.ndarray]:
        """All chips of all images for ``epoch`` (flat arrays of length
        ``M``, image order; see :func:`.epoch_chips.generate_epoch_chips`);
        ``chip_workers`` processes share the images."""
        return generate_epoch_chips(
            self._anns, self._proposals, self.seed, epoch, self.chip_cfg,
            self.neg_chip_mine if self.use_neg_chips else None,
            self.chip_workers)

    def set_epoch(self, epoch: int) -> None:
        """Build the chip list of ``epoch`` (a no-op if already built).

        Deterministic in ``(seed, epoch)``: every rank gets the same list.
        """
        if not self._fully_initialized:
            self.full_init()  # builds epoch 0
            if epoch == 0:
                return
        if epoch == self.epoch:
            return
        chips = self._generate_epoch(epoch)
        m = len(chips['img'])
        if self._num_samples == 0:
            self._num_samples = (
                m if self.epoch_length == 'first' else self.epoch_length)
        n = self._num_samples
        rng = np.random.default_rng(
            np.random.SeedSequence([self.seed, epoch, 1 << 20]))
        order = rng.permutation(m)
        if m >= n:
            index = order[:n]
        else:
            index = np.concatenate([order, rng.integers(0, m, n - m)])
        self._chips = chips
        self._index = index
        self.epoch = epoch
        num_neg = int(chips['neg'].sum())
        used = np.unique(chips['img'])
        self.stats = dict(
            epoch=epoch,
            num_images=len(self._anns),
            images_with_chips=int(len(used)),
            num_chips=m,
            num_pos_chips=m - num_neg,
            num_neg_chips=num_neg,
            chips_per_scale=np.bincount(chips['scale']).tolist(),
            epoch_length=n,
            dropped=max(m - n, 0),
            repeated=max(n - m, 0),
            pixels_per_image=float(chips['pixels'].sum() / max(len(used),
                                                                1)))
        print_log(
            f'SniperDataset epoch {epoch}: {m} chips ({m - num_neg} '
            f'positive, {num_neg} negative; per scale '
            f'{self.stats["chips_per_scale"]}) from {len(used)}/'
            f'{len(self._anns)} images; epoch length {n} '
            f'({self.stats["dropped"]} dropped, {self.stats["repeated"]} '
            'repeated)',
            logger='current',
            level=logging.INFO)

    # ------------------------------------------------------------------
    def _chip_id(self, idx: int) -> int:
        if not self._fully_initialized:
            self.full_init()
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for a SniperDataset '
                             f'of length {len(self)}')
        return int(self._index[idx])

    def get_chip_info(self, idx: int) -> dict:
        """The chip keys of sample ``idx`` (see the class docstring), plus
        ``img_idx`` (index into the wrapped dataset)."""
        c = self._chips
        k = self._chip_id(idx)
        lo, hi = c['valid_ptr'][k], c['valid_ptr'][k + 1]
        return dict(
            img_idx=int(c['img'][k]),
            chip=c['chip'][k].astype(np.float32),
            chip_scaled=c['chip_scaled'][k].astype(np.int32),
            chip_scale_idx=int(c['scale'][k]),
            chip_factor=float(c['factor'][k]),
            chip_size=int(self.chip_cfg.get('chip_size', 512)),
            chip_is_negative=bool(c['neg'][k]),
            chip_valid_inds=c['valid'][lo:hi].copy())

    def get_data_info(self, idx: int) -> dict:
        """``data_info`` of the chip's image plus the chip keys."""
        chip = self.get_chip_info(idx)
        img_idx = chip.pop('img_idx')
        info = self._repair_instances(img_idx,
                                      self.dataset.get_data_info(img_idx))
        info.update(chip)
        return info

    def prepare_data(self, idx: int):
        """Run the leaf dataset's pipeline on :meth:`get_data_info`.

        The pipeline's random draws (``RandomFlip`` and any other transform
        using ``random``, ``np.random`` or torch's CPU generator) come from
        a seed derived from ``(seed, epoch, idx)``; the caller's generator
        states are restored afterwards. A sample is therefore the same in a
        straight run, after a resume, in any dataloader worker and on any
        rank.
        """
        chip = self.get_chip_info(idx)
        img_idx = chip.pop('img_idx')
        leaf, local = _unwrap(self.dataset, img_idx)
        info = self._repair_instances(img_idx, leaf.get_data_info(local))
        info.update(chip)
        with local_seed(self.sample_seed(idx)):
            return leaf.pipeline(info)

    def sample_seed(self, idx: int) -> int:
        """The seed of sample ``idx``'s pipeline in the current epoch."""
        return derive_seed(self.seed, max(self.epoch, 0), idx % len(self),
                           _SAMPLE_KEY)

    def __getitem__(self, idx: int) -> dict:
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f'index {idx} out of range for a SniperDataset '
                             f'of length {n}')
        for attempt in range(self.max_refetch + 1):
            # a sample whose pipeline returns None is replaced by the next
            data = self.prepare_data((idx + attempt) % n)
            if data is not None:
                return data
        raise RuntimeError(f'SniperDataset: the pipeline returned None for '
                           f'{self.max_refetch + 1} samples from index {idx}')

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return self._num_samples

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(dataset='
                f'{type(self.dataset).__name__}, chip_cfg={self.chip_cfg}, '
                f'use_neg_chips={self.use_neg_chips}, proposal_file='
                f'{self.proposal_file!r}, neg_chip_mine={self.neg_chip_mine}, '
                f'epoch_length={self.epoch_length!r}, seed={self.seed}, '
                f'chip_workers={self.chip_workers})')
