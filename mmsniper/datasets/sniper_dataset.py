# Copyright (c) mmsniper contributors. All rights reserved.
"""SNIPER's on-the-fly chip dataset: :class:`SniperDataset`.

Shape shorthands: ``I`` images of the wrapped dataset, ``M`` chips of the
current epoch (all images), ``L`` samples per epoch (the epoch length).
"""
from typing import List, Optional, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmdet.registry import DATASETS

from ..chips import DEFAULT_CHIP_SIZE
from ..utils.checks import as_int
from ..utils.dataset_walk import lazy_dataset_cfg, locate_sample
from ..utils.seeding import derive_seed, local_seed
from .chip_cfg import CHIP_CFG_KEYS, check_chip_cfg  # noqa: F401 (old path)
from .epoch_chips import (build_neg_chip_mine, chip_of_epoch,
                          generate_epoch_chips)
from .epoch_length import epoch_index, epoch_stats, log_epoch
from .image_anns import ImageAnns
from .wrapped_dataset import WrappedImagesMixin
from .proposals import load_proposals
from .sniper_preflight import PreflightRepairMixin
from .transforms.neg_chip_mine import NegChipMine

#: Seed key of the per-sample pipeline seeds (apart from the chip seeds).
_SAMPLE_KEY = 2


@DATASETS.register_module()
class SniperDataset(PreflightRepairMixin, WrappedImagesMixin):
    """SNIPER chips of an mmdet dataset, regenerated at every epoch.

    Index ``i`` is one (image, chip) pair of the current epoch. At every
    epoch (:meth:`set_epoch`, called by
    :class:`~mmsniper.engine.ChipRebuildHook`) the chips of every image are
    generated from the annotations of the wrapped dataset with
    :func:`mmsniper.chips.generate_chips` (new stride jitter, greedy
    tie-break shuffle and negative sample), then shuffled, seeded by
    ``(seed, epoch, image index)``: all ranks build the same list without
    communicating. Nothing is written to disk, no image is read for this.

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

    **Epoch length** (:mod:`mmsniper.datasets.epoch_length`): like the
    original, ``L`` is the chip count of epoch 0 (``epoch_length='first'``)
    or a given int; an epoch with more chips uses a random ``L`` of them,
    one with fewer repeats random chips (both logged).

    **Images without chips** and **negative chips** (mined from the
    ``proposal_file``, loaded and checked in :meth:`full_init`): see
    :mod:`mmsniper.datasets.epoch_chips`.

    **Pre-flight check** of every leaf dataset in :meth:`full_init`, before
    it loads its annotations: see :mod:`mmsniper.datasets.sniper_preflight`
    and ``docs/sniper_training.md``; the result is in ``preflight_report``
    (a list for several leaves).

    Args:
        dataset (dict | BaseDataset): The wrapped mmdet dataset (any
            ``BaseDetDataset``: CocoDataset, VOCDataset, a COCO json, or an
            mmengine ``ConcatDataset`` of them). Its pipeline must contain
            ``SnipChipCrop`` after the loading transforms.
        chip_cfg (dict, optional): Chip generation: ``scales``,
            ``valid_ranges``, ``chip_size``, ``stride`` (int or inclusive
            range drawn per image and epoch), ``prune``,
            ``coarsest_whole_image``, ``min_box_side``, ``backend`` (see
            :func:`~mmsniper.chips.generate_chips`, whose COCO defaults
            apply; :mod:`mmsniper.datasets.chip_cfg`). Defaults to None.
        use_neg_chips (bool): Add negative chips mined from proposals.
            Defaults to False.
        proposal_file (str, optional): Proposal file; required when
            ``use_neg_chips``. Defaults to None.
        neg_chip_mine (dict | NegChipMine, optional): The negative chip
            miner, a transform config such as ``dict(type='NegChipMine',
            num_neg_chips=2, min_proposals=None)``; the chip geometry
            (``valid_ranges``, ``chip_size``, ...) comes from ``chip_cfg``.
            Defaults to None (``NegChipMine()``'s defaults).
        neg_chip_cfg (dict, optional): Deprecated form of ``neg_chip_mine``
            (``num_neg_chips``, ``neg_min_proposals``; with a warning).
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
        self._init_preflight(preflight)  # unknown options fail here
        if isinstance(dataset, dict):  # loaded after the pre-flight check
            dataset = DATASETS.build(lazy_dataset_cfg(dataset))
        self.dataset = dataset
        self.chip_cfg = check_chip_cfg(chip_cfg)
        self.neg_chip_mine = build_neg_chip_mine(neg_chip_mine,
                                                 self.chip_cfg, neg_chip_cfg)
        self.use_neg_chips = bool(use_neg_chips)
        if self.use_neg_chips and not proposal_file:
            raise ValueError('use_neg_chips=True needs a proposal_file '
                             '(see tools/extract_proposals.py)')
        self.proposal_file = proposal_file
        self.epoch_length = epoch_length if epoch_length == 'first' else \
            as_int("epoch_length ('first' or a number of samples)",
                   epoch_length, 1)
        self.seed = int(seed)
        self.chip_workers = int(chip_workers)
        self.max_refetch = max_refetch
        self.backend_args = backend_args
        self.epoch = -1
        self._init_wrapper(lazy_init)

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
        self._init_repairs()
        self._anns = ImageAnns(self.dataset, self._plan_repairs)
        self._proposals: Optional[List[np.ndarray]] = None
        if self.use_neg_chips:  # None for the images the check dropped
            table = load_proposals(self.proposal_file, self._anns.img_ids,
                                   backend_args=self.backend_args)
            self._proposals = [
                None if i in self._dropped_imgs else table[img_id]
                for i, img_id in enumerate(self._anns.img_ids)]
        self._num_samples = 0
        self._fully_initialized = True
        self.set_epoch(0)

    # ------------------------------------------------------------------
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
        chips = generate_epoch_chips(  # chip_workers share the images
            self._anns, self._proposals, self.seed, epoch, self.chip_cfg,
            self.neg_chip_mine if self.use_neg_chips else None,
            self.chip_workers)
        m = len(chips['img'])
        if self._num_samples == 0:
            self._num_samples = (
                m if self.epoch_length == 'first' else self.epoch_length)
        n = self._num_samples
        self._chips = chips
        self._index = epoch_index(m, n, self.seed, epoch)
        self.epoch = epoch
        self.stats = epoch_stats(chips, epoch, len(self._anns), n)
        log_epoch(self.stats)

    # ------------------------------------------------------------------
    def _chip_id(self, idx: int) -> int:
        """The chip of sample ``idx`` (negative: from the end)."""
        n = len(self)  # full_init if needed
        if not -n <= idx < n:
            raise IndexError(f'index {idx} out of range for a SniperDataset '
                             f'of length {n}')
        return int(self._index[idx % n])

    def get_chip_info(self, idx: int) -> dict:
        """The chip keys of sample ``idx`` (see the class docstring), plus
        ``img_idx`` (index into the wrapped dataset)."""
        return chip_of_epoch(
            self._chips, self._chip_id(idx),
            int(self.chip_cfg.get('chip_size', DEFAULT_CHIP_SIZE)))

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
        leaf, local = locate_sample(self.dataset, img_idx)
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
        self._chip_id(idx)  # IndexError past the end (the refetch wraps)
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
