# Copyright (c) mmsniper contributors. All rights reserved.
"""Uniform training tiles of an mmdet dataset: :class:`TileDataset`.

Shape shorthands: ``I`` images of the wrapped dataset, ``T`` tiles (all
images, all scales).
"""
import copy
from typing import Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset
from mmdet.registry import DATASETS

from ..chips.scales import scale_factor, scaled_size
from ..chips.uniform_tiles import tile_boxes, tile_grid
from ..utils.dataset_walk import locate_sample
from .image_anns import ImageAnns
from .wrapped_dataset import WrappedImagesMixin


@DATASETS.register_module()
class TileDataset(WrappedImagesMixin):
    """Fixed-size overlapping tiles of every image, at one or more scales:
    the training data of SAHI's ``slice_coco`` / Ultralytics / OpenVINO
    Training Extensions tiling, the baseline SNIPER is measured against.

    Index ``i`` is one (image, scale, tile) triple. At each scale the image
    is resized by the scale's factor (:func:`~mmsniper.chips.scale_factor`:
    a factor, a long side or a ``(long, short)`` pair, as SNIPER's scales)
    and covered by :func:`~mmsniper.chips.uniform_tiles.tile_grid` tiles
    (``tile_size`` with ``overlap``; the last row / column shifted back to
    the border). The list is fixed: built once from the annotations' image
    sizes, no image is read for it.

    Unlike SNIPER chips there are no valid ranges and no ignore regions:
    a tile trains on every box of which at least ``min_area_ratio`` of the
    area lies in the tile (SAHI's rule, :func:`~mmsniper.chips.uniform_tiles.
    tile_boxes`), clipped to the tile; the other boxes are removed from the
    sample's ``instances`` before its pipeline runs. Dataset-flagged boxes
    (crowd) go through as flagged, for ``SnipChipCrop``'s
    ``flagged_boxes`` to handle. Tiles without a box are kept, as
    ``slice_coco`` does by default (``ignore_negative_samples=False``);
    ``keep_empty=False`` drops them.

    A sample is the wrapped (leaf) dataset's own pipeline run on its
    ``data_info`` plus the chip keys of
    :class:`~mmsniper.datasets.SniperDataset` (``chip``, ``chip_scaled``,
    ``chip_factor``, ``chip_scale_idx``, ``chip_size``, ``chip_valid_inds``:
    every kept box), so the crop is
    :class:`~mmsniper.datasets.transforms.SnipChipCrop` (one crop
    implementation; ``min_box_side=0`` there trains every kept box). The
    pipeline's random draws use the global generators, as mmdet's datasets.

    After :meth:`full_init`, ``stats`` holds ``num_images``, ``num_tiles``,
    ``tiles_per_scale``, ``tiles_per_image`` and ``pixels_per_image`` (the
    content pixels of an image's tiles at all scales, no padding; per
    image with a tile).

    Args:
        dataset (dict | BaseDataset): The wrapped mmdet dataset (or an
            mmengine ``ConcatDataset`` of them); its pipeline must contain
            ``SnipChipCrop`` after the loading transforms.
        tile_size (int): Tile side in resized pixels (also the padded input
            side). Defaults to 512.
        overlap (float): Overlap ratio of neighbouring tiles. Defaults to
            0.2.
        scales (Sequence): Scale specs; ``(1.0, )`` is native resolution.
            Defaults to ``(1.0, )``.
        min_area_ratio (float): Kept fraction of a truncated box's area.
            Defaults to 0.1 (SAHI's ``min_area_ratio``).
        keep_empty (bool): Keep tiles without a kept box. Defaults to True.
        lazy_init (bool): Defer building the tile list to
            :meth:`full_init`. Defaults to False.

    Examples:
        >>> dataset = dict(type='TileDataset', tile_size=256, overlap=0.2,
        ...                scales=(1.0, ), dataset=dict(
        ...                    type='CocoDataset', ...,
        ...                    pipeline=[..., dict(type='SnipChipCrop',
        ...                                        min_box_side=0), ...]))
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 tile_size: int = 512,
                 overlap: float = 0.2,
                 scales: Sequence = (1.0, ),
                 min_area_ratio: float = 0.1,
                 keep_empty: bool = True,
                 lazy_init: bool = False) -> None:
        if not (isinstance(tile_size, int) and tile_size > 0):
            raise ValueError(f'TileDataset: tile_size must be a positive '
                             f'int, got {tile_size!r}')
        if not 0 <= min_area_ratio <= 1:
            raise ValueError(f'TileDataset: min_area_ratio must be in '
                             f'[0, 1], got {min_area_ratio!r}')
        if not len(scales):
            raise ValueError('TileDataset: scales is empty')
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        self.dataset = dataset
        self.tile_size = tile_size
        self.overlap = float(overlap)
        self.scales = tuple(scales)
        self.min_area_ratio = float(min_area_ratio)
        self.keep_empty = bool(keep_empty)
        self._init_wrapper(lazy_init)

    def full_init(self) -> None:
        """Load the annotations and build the tile list (``T`` tiles)."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        anns = ImageAnns(self.dataset)
        img, scale, factor, tiles = [], [], [], []
        for i in range(len(anns)):
            h, w = (int(v) for v in anns.shapes[i])
            for s, spec in enumerate(self.scales):
                f = scale_factor(spec, (h, w))
                grid = tile_grid(scaled_size((h, w), f), self.tile_size,
                                 self.overlap)
                if not self.keep_empty:
                    grid = grid[[
                        len(
                            tile_boxes(anns.boxes[i][~anns.ignore[i]],
                                       self._chip(t, f, (h, w)),
                                       self.min_area_ratio)) > 0 for t in grid
                    ]]
                img += [i] * len(grid)
                scale += [s] * len(grid)
                factor += [f] * len(grid)
                tiles.append(grid.reshape(-1, 4))
        self._img = np.asarray(img, dtype=np.int64)
        self._scale = np.asarray(scale, dtype=np.int64)
        self._factor = np.asarray(factor, dtype=np.float64)
        self._tiles = np.concatenate(tiles).astype(np.int64)
        if len(self._img) == 0:
            raise ValueError('TileDataset: no tile (an empty dataset, or '
                             'keep_empty=False and no box anywhere)')
        self._shapes = anns.shapes
        used = max(len(np.unique(self._img)), 1)
        self.stats = dict(
            num_images=len(anns),
            num_tiles=len(self._img),
            tiles_per_scale=np.bincount(self._scale,
                                        minlength=len(self.scales)).tolist(),
            tiles_per_image=len(self._img) / used,
            pixels_per_image=float(
                np.prod(self._tiles[:, 2:] - self._tiles[:, :2], 1).sum() /
                used))
        self._fully_initialized = True

    @staticmethod
    def _chip(tile: np.ndarray, f: float, shape) -> np.ndarray:
        """A resized-pixel tile in original pixels, inside the image."""
        h, w = shape
        return np.minimum(tile / f, [w, h, w, h]).astype(np.float32)

    def get_data_info(self, idx: int) -> dict:
        """``data_info`` of the tile's image with only the kept boxes in
        ``instances``, plus the chip keys (see the class docstring)."""
        return self._leaf_info(idx)[1]

    def _leaf_info(self, idx: int) -> tuple:
        """The leaf dataset of tile ``idx`` and the tile's ``data_info``."""
        if not self._fully_initialized:
            self.full_init()
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f'index {idx} out of range for a TileDataset '
                             f'of length {n}')
        idx %= n
        i, f, tile = int(self._img[idx]), float(self._factor[idx]), \
            self._tiles[idx]
        leaf, local = locate_sample(self.dataset, i)
        info = copy.deepcopy(leaf.get_data_info(local))
        chip = self._chip(tile, f, self._shapes[i])
        inst = info.get('instances', [])
        boxes = np.array([x['bbox'] for x in inst],
                         dtype=np.float64).reshape(-1, 4)
        keep = tile_boxes(boxes, chip, self.min_area_ratio)
        info['instances'] = [inst[k] for k in keep]
        info.update(chip=chip,
                    chip_scaled=tile.astype(np.int32),
                    chip_factor=f,
                    chip_scale_idx=int(self._scale[idx]),
                    chip_size=self.tile_size,
                    chip_valid_inds=np.arange(len(keep), dtype=np.int64))
        return leaf, info

    def __getitem__(self, idx: int) -> dict:
        leaf, info = self._leaf_info(idx)
        data = leaf.pipeline(info)
        if data is None:
            raise RuntimeError(f'TileDataset: the pipeline returned None for '
                               f'tile {idx} of {info.get("img_path", "?")}')
        return data

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return len(self._img)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(dataset='
                f'{type(self.dataset).__name__}, tile_size={self.tile_size}, '
                f'overlap={self.overlap}, scales={self.scales}, '
                f'min_area_ratio={self.min_area_ratio}, '
                f'keep_empty={self.keep_empty})')
