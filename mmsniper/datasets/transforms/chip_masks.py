# Copyright (c) mmsniper contributors. All rights reserved.
"""Instance masks through a SNIPER chip (used by
:class:`~mmsniper.datasets.transforms.SnipChipCrop`).

Both mask types follow the image's rule, the window of the whole image
resized by the chip's factor (:mod:`mmsniper.chips.crop_resize`):

- :class:`~mmdet.structures.mask.PolygonMasks` (the memory-light default,
  ``LoadAnnotations(with_mask=True, poly2mask=False)``): every polygon is
  mapped by the chip's affine map (:func:`~mmsniper.chips.polygons.
  window_map`, the map of the boxes) and clipped exactly to the chip
  content (:func:`~mmsniper.chips.polygons.clip_polygon`); no bitmap is
  made, so a 20000 px image costs what its polygons cost. Polygons left
  with under 3 vertices or collinear ones are dropped; an instance whose
  polygons all vanish (its box is kept, so it overlaps the chip, but its
  outline does not) gets mmdet's empty entry, one zero polygon
  ``[0, 0, 0, 0, 0, 0]`` (what ``LoadAnnotations`` and
  ``PolygonMasks.crop`` use; it rasterises to nothing). Self-intersecting
  polygons are kept as they are (clipping keeps their fill).
- :class:`~mmdet.structures.mask.BitmapMasks`: every mask is cut with
  :func:`~mmsniper.chips.crop_resize.crop_resize_np` at nearest
  interpolation, one chip-sized array per instance.

Instances are kept with their boxes (the same ``keep`` mask). Instances the
chip ignores (``gt_ignore_flags``: invalid in the chip, or flagged by the
dataset) get an empty mask and no crop work: ``PackDetInputs`` moves them
to ``ignored_instances``, and mmdet's mask heads read only
``gt_instances.masks`` (``mask_target`` indexes it by the assigned
``gt_instances``), so they carry no mask loss. Both types are padded to the
chip size as the image (mmdet's ``pad``: zeros at the bottom/right).
"""
from typing import List, Optional, Tuple

import cv2
import numpy as np
from mmdet.structures.mask import BitmapMasks, PolygonMasks

from ...chips.crop_resize import crop_resize_np
from ...chips.polygons import (clip_polygon, is_degenerate,
                               transform_polygon, window_map)

#: mmdet's empty polygon entry (``LoadAnnotations``, ``PolygonMasks.crop``).
EMPTY_POLYGON = np.zeros(6, np.float64)


def chip_polygons(polys: List[np.ndarray], affine: np.ndarray,
                  shape: Tuple[int, int]) -> List[np.ndarray]:
    """The polygons of one instance in the chip.

    Args:
        polys (list[np.ndarray]): Flat ``[2K]`` polygons, image pixels.
        affine (np.ndarray): ``(2, 3)`` image -> chip map
            (:func:`~mmsniper.chips.polygons.window_map`).
        shape (tuple[int, int]): ``(h, w)`` of the chip content.

    Returns:
        list[np.ndarray]: float64 flat polygons clipped to
        ``[0, w] x [0, h]``; degenerate ones removed (may be empty).
    """
    h, w = shape
    out = []
    for p in polys:
        q = clip_polygon(transform_polygon(p, affine), (0, 0, w, h))
        if not is_degenerate(q):
            out.append(q)
    return out


def crop_polygon_masks(masks: PolygonMasks, keep: np.ndarray,
                       train: np.ndarray, f: float,
                       origin: Tuple[float, float], shape: Tuple[int, int],
                       pad_shape: Tuple[int, int]) -> PolygonMasks:
    """Polygons of the kept instances in the chip (see the module doc).

    Args:
        masks (PolygonMasks): Image masks, ``N`` instances.
        keep (np.ndarray): bool ``[N]``: instances kept with their boxes.
        train (np.ndarray): bool ``[N]``: kept instances trained on (not
            ignored); the others get an empty entry.
        f (float): Chip factor. origin (tuple[float, float]): ``(ox, oy)``
            window origin, resized pixels.
        shape (tuple[int, int]): ``(h, w)`` of the chip content.
        pad_shape (tuple[int, int]): ``(h, w)`` after padding.

    Returns:
        PolygonMasks: ``keep.sum()`` instances, ``pad_shape`` high/wide.
    """
    affine = window_map(f, origin)
    out = []
    for i in np.flatnonzero(keep):
        polys = chip_polygons(masks.masks[i], affine, shape) if train[i] \
            else []
        out.append(polys or [EMPTY_POLYGON.copy()])
    return PolygonMasks(out, *shape).pad(pad_shape)


def crop_bitmap_masks(masks: BitmapMasks, keep: np.ndarray,
                      train: np.ndarray, f: float,
                      origin: Tuple[float, float], shape: Tuple[int, int],
                      pad_shape: Tuple[int, int]) -> BitmapMasks:
    """Bitmaps of the kept instances in the chip (nearest interpolation;
    ignored instances all zero). Args as :func:`crop_polygon_masks`.

    Returns:
        BitmapMasks: ``keep.sum()`` uint8 masks of ``pad_shape``.
    """
    kept = np.flatnonzero(keep)
    h, w = shape
    arr = np.zeros((len(kept), ) + tuple(pad_shape), np.uint8)  # padded
    for j, i in enumerate(kept):
        if train[i]:
            m = masks.masks[i]
            m = m.view(np.uint8) if m.dtype == bool else m
            arr[j, :h, :w] = crop_resize_np(m, f, origin, shape,
                                            cv2.INTER_NEAREST)
    return BitmapMasks(arr, *pad_shape)


def crop_chip_masks(masks, keep: np.ndarray, train: np.ndarray, f: float,
                    origin: Tuple[float, float], shape: Tuple[int, int],
                    size: Optional[int]):
    """Instance masks through the chip: polygons or bitmaps.

    Args:
        masks (PolygonMasks | BitmapMasks): ``N`` image masks, aligned with
            the loaded boxes.
        keep (np.ndarray): bool ``[N]`` kept instances (the boxes' mask).
        train (np.ndarray): bool ``[N]`` instances not ignored.
        f (float): Chip factor. origin (tuple[float, float]): ``(ox, oy)``.
        shape (tuple[int, int]): ``(h, w)`` chip content.
        size (int, optional): Pad side (None: no padding).

    Returns:
        PolygonMasks | BitmapMasks: The type of ``masks``, ``keep.sum()``
        instances of the padded chip size.

    Raises:
        TypeError: Another mask type.
        ValueError: ``masks`` not aligned with the boxes.
    """
    if not isinstance(masks, (PolygonMasks, BitmapMasks)):
        raise TypeError('SnipChipCrop: gt_masks must be PolygonMasks or '
                        f'BitmapMasks, got {type(masks).__name__}')
    if len(masks) != len(keep):
        raise ValueError(f'SnipChipCrop: {len(masks)} masks for '
                         f'{len(keep)} boxes; masks and boxes must be '
                         'loaded together (LoadAnnotations)')
    pad_shape = (max(shape[0], size or 0), max(shape[1], size or 0))
    crop = crop_polygon_masks if isinstance(masks, PolygonMasks) \
        else crop_bitmap_masks
    return crop(masks, np.asarray(keep, bool), np.asarray(train, bool), f,
                origin, shape, pad_shape)
