# Copyright (c) mmsniper contributors. All rights reserved.
"""Mine the negative chips of one image from its proposals:
:class:`NegChipMine`."""
import numbers
from typing import Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmdet.registry import TRANSFORMS

from ...chips import ChipResult, mine_negative_chips
from ...chips.scales import DEFAULT_CHIP_SIZE
from ...chips.valid_ranges import DEFAULT_VALID_RANGES, normalize_valid_ranges
from ...utils.checks import as_int

#: Results keys NegChipMine needs besides ``proposals``.
REQUIRED_KEYS = ('img_shape', 'pos_chips_scaled', 'pos_chip_scale_inds',
                 'chip_scale_factors', 'chip_stride')
#: Greedy backends.
BACKENDS = ('auto', 'ext', 'numpy')


def pos_chip_keys(res: ChipResult) -> dict:
    """The results keys :class:`NegChipMine` reads about the positive
    chips, from a :func:`~mmsniper.chips.generate_chips` result.

    Args:
        res (ChipResult): Chips of one image (its negative chips, if any,
            are left out).

    Returns:
        dict: ``img_shape``, ``pos_chips_scaled``, ``pos_chip_scale_inds``,
        ``chip_scale_factors`` and ``chip_stride``.
    """
    pos = ~res.is_negative
    return dict(
        img_shape=tuple(res.img_shape),
        pos_chips_scaled=res.chips_scaled[pos],
        pos_chip_scale_inds=res.scale_inds[pos],
        chip_scale_factors=res.factors_per_scale,
        chip_stride=int(res.stride))


@TRANSFORMS.register_module()
class NegChipMine(BaseTransform):
    """Mine the negative chips of one image from its proposals (SNIPER
    negative chip mining, spec 2).

    At each scale, the proposals valid there (the ground-truth rules: in the
    scale's valid range, fit in a chip, not degenerate) that no positive
    chip of the scale covers are covered by the greedy of the positive
    chips (same ``chip_stride``, a new tie-break shuffle); a resulting chip
    is kept when it holds more than ``M`` proposals (``min_proposals``).
    ``num_neg_chips`` kept chips, pooled over scales, are sampled. The work
    is :func:`~mmsniper.chips.mine_negative_chips`, the one implementation
    (``generate_chips(proposals=...)`` calls it too).

    It runs on a per-image results dict, before any image is loaded:
    :class:`~mmsniper.datasets.SniperDataset` applies it to every image at
    every epoch (its ``neg_chip_mine`` config) after the positive chips are
    made; :func:`pos_chip_keys` turns a ``generate_chips`` result into the
    ``pos_*`` / ``chip_*`` keys below. Proposal scores are ignored, as in
    the original; proposals are clipped to the image.

    An image with an empty proposal array (``[0, 4]`` or ``[0, 5]``) gets no
    negative chip; so does one whose proposals are all covered by positive
    chips or too sparse. A results dict without ``proposals`` is an error.

    Randomness: the tie-break seeds and the sampling come from
    ``chip_seed`` in the results when present (SniperDataset derives it
    from ``(seed, epoch, image index)``, so resuming gives the same chips),
    else from the ``seed`` argument (the same chips at every call), else
    from a seed drawn from ``numpy.random`` (``_random_seed``, replayable
    with ``cache_random_params``).

    Required Keys:

    - proposals (np.float32): ``[P, 4]`` or ``[P, 5]`` (x1, y1, x2, y2,
      score), original-image pixels; ``P`` may be 0.
    - img_shape (tuple[int, int]): ``(h, w)`` of the original image.
    - pos_chips_scaled (np.int32): ``[K, 4]`` the image's positive chips, in
      the pixels of the image resized by their scale's factor.
    - pos_chip_scale_inds (np.int64): ``[K]`` scale of each positive chip.
    - chip_scale_factors (np.float64): ``[S]`` resize factor of each scale,
      finest first.
    - chip_stride (int): Candidate stride of the positive chips.
    - chip_seed (int) (optional): Seed of this call's draws.

    Added Keys:

    - neg_chips (np.float32): ``[n, 4]`` x1y1x2y2, original pixels.
    - neg_chips_scaled (np.int32): ``[n, 4]``, scaled pixels.
    - neg_chip_scale_inds (np.int64): ``[n]`` scale of each chip.
    - num_neg_candidates (int): Kept chips before the sampling.

    Args:
        num_neg_chips (int): Negative chips sampled per image (all when
            fewer are kept). Defaults to 2 (the original's hard-coded 2).
        min_proposals (int | Sequence[int], optional): ``M``: a chip is kept
            when it holds more than this many proposals; one int for every
            scale or one per scale. Defaults to None (25 at the finest
            scale, 10 at the others, as the original).
        valid_ranges (Sequence): One ``(lo, hi)`` per scale, original
            pixels, -1 = unbounded (as ``generate_chips``; SniperDataset
            fills it from its ``chip_cfg``). Defaults to
            ``((-1, 80), (32, 150), (120, -1))``.
        chip_size (int): Chip side. Defaults to 512.
        prune (bool): Drop chips made redundant by others. Defaults to True.
        coarsest_whole_image (bool): The coarsest scale's chip is the whole
            resized image. Defaults to True.
        min_box_side (float): Minimum width and height of a proposal
            (original pixels) at the non-coarsest scales. Defaults to 2.
        backend (str): ``'auto'``, ``'ext'`` or ``'numpy'``. Defaults to
            ``'auto'``.
        seed (int, optional): Seed used when the results hold no
            ``chip_seed``. Defaults to None (drawn from ``numpy.random``).

    Raises:
        KeyError: Naming the key, when ``proposals`` or another required
            key is missing from the results.
        ValueError: For bad arguments, or bad proposals (shape, dtype,
            NaN/inf) naming the image.

    Examples:
        >>> import numpy as np
        >>> from mmsniper.chips import generate_chips
        >>> gt = np.array([[50, 50, 70, 70]], np.float32)
        >>> res = generate_chips(gt, (1000, 1000), seed=0)
        >>> props = np.random.default_rng(0).uniform(0, 30, (40, 2)) + 700
        >>> props = np.hstack([props, props + 12]).astype(np.float32)
        >>> mine = NegChipMine(num_neg_chips=1)
        >>> out = mine(dict(proposals=props, chip_seed=3,
        ...                 **pos_chip_keys(res)))
        >>> out['neg_chips'].shape, out['neg_chip_scale_inds'].tolist()
        ((1, 4), [0])
    """

    def __init__(self,
                 num_neg_chips: int = 2,
                 min_proposals: Union[None, int, Sequence[int]] = None,
                 valid_ranges: Sequence[Sequence[float]] = (
                     DEFAULT_VALID_RANGES),
                 chip_size: int = DEFAULT_CHIP_SIZE,
                 prune: bool = True,
                 coarsest_whole_image: bool = True,
                 min_box_side: float = 2.0,
                 backend: str = 'auto',
                 seed: Optional[int] = None) -> None:
        self.num_neg_chips = as_int('NegChipMine num_neg_chips',
                                    num_neg_chips, 0)
        if isinstance(min_proposals, numbers.Integral):
            min_proposals = as_int('NegChipMine min_proposals',
                                   min_proposals, 0)
        elif min_proposals is not None:
            min_proposals = tuple(
                as_int('NegChipMine min_proposals', v, 0)
                for v in min_proposals)
        self.min_proposals = min_proposals
        normalize_valid_ranges(valid_ranges, len(valid_ranges))  # checks
        self.valid_ranges = tuple(tuple(r) for r in valid_ranges)
        self.chip_size = as_int('NegChipMine chip_size', chip_size, 1)
        self.prune = bool(prune)
        self.coarsest_whole_image = bool(coarsest_whole_image)
        if not min_box_side >= 0:
            raise ValueError(f'NegChipMine: min_box_side must be >= 0, got '
                             f'{min_box_side!r}')
        self.min_box_side = min_box_side
        if backend not in BACKENDS:
            raise ValueError(f'NegChipMine: backend must be one of '
                             f'{BACKENDS}, got {backend!r}')
        self.backend = backend
        self.seed = None if seed is None else as_int('NegChipMine seed',
                                                     seed, 0)

    @cache_randomness
    def _random_seed(self) -> int:
        """A seed drawn from ``numpy.random`` (no ``chip_seed``, no
        ``seed``)."""
        return int(np.random.randint(0, 2**31 - 1))

    def _seed_of(self, results: dict) -> int:
        if results.get('chip_seed', None) is not None:
            return int(results['chip_seed'])
        return self.seed if self.seed is not None else self._random_seed()

    def transform(self, results: dict) -> dict:
        """Add the negative chips of the image.

        Args:
            results (dict): Per-image results (see Required Keys).

        Returns:
            dict: ``results`` with the Added Keys.
        """
        where = results.get('img_id', results.get('img_path', None))
        where = '' if where is None else f' (image {where!r})'
        if results.get('proposals', None) is None:
            raise KeyError(
                f"NegChipMine needs 'proposals' in the results{where}: "
                'float32 [P, 4] or [P, 5] boxes in original pixels (an '
                'empty [0, 5] array for an image without proposals); '
                'SniperDataset loads them from proposal_file')
        missing = [k for k in REQUIRED_KEYS if k not in results]
        if missing:
            raise KeyError(f'NegChipMine needs {missing} in the results'
                           f'{where} (the positive chips: see '
                           'pos_chip_keys)')
        try:
            neg = mine_negative_chips(
                results['proposals'], results['img_shape'],
                results['pos_chips_scaled'], results['pos_chip_scale_inds'],
                results['chip_scale_factors'], self.valid_ranges,
                self.chip_size, results['chip_stride'], self.min_proposals,
                self.num_neg_chips, self._seed_of(results), self.prune,
                self.coarsest_whole_image, self.min_box_side, self.backend)
        except ValueError as e:
            raise ValueError(f'NegChipMine{where}: {e}') from e
        results['neg_chips'] = neg.chips
        results['neg_chips_scaled'] = neg.chips_scaled
        results['neg_chip_scale_inds'] = neg.scale_inds
        results['num_neg_candidates'] = neg.num_candidates
        return results

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(num_neg_chips={self.num_neg_chips}, '
        repr_str += f'min_proposals={self.min_proposals}, '
        repr_str += f'valid_ranges={self.valid_ranges}, '
        repr_str += f'chip_size={self.chip_size}, '
        repr_str += f'prune={self.prune}, '
        repr_str += f'coarsest_whole_image={self.coarsest_whole_image}, '
        repr_str += f'min_box_side={self.min_box_side}, '
        repr_str += f"backend='{self.backend}', "
        repr_str += f'seed={self.seed})'
        return repr_str
