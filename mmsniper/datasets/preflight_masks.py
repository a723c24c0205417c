# Copyright (c) mmsniper contributors. All rights reserved.
"""Pre-flight check of instance masks (COCO ``segmentation``), run by
:func:`~mmsniper.datasets.preflight.check_dataset` when the dataset's
pipeline loads masks (``LoadAnnotations(with_mask=True)``), or when asked
with ``preflight=dict(check_masks=True)``.

mmdet loads bad masks without a word: ``LoadAnnotations`` turns an
annotation whose polygons all have under 3 points into an ignored box
with a fake mask, keeps collinear polygons and polygons outside the image
(empty masks), and fails with a ``KeyError`` or inside ``pycocotools`` on a
missing ``segmentation`` or an RLE of another size. Here every one is
named by image id and annotation id (policy class ``mask``):

====================== ======= ============================================
reason                 default what ``warn`` / ``drop`` do
====================== ======= ============================================
missing_mask           error   drop the annotation (no ``segmentation``)
malformed_mask         error   drop (neither polygons of numbers nor an RLE)
rle_size_mismatch      error   drop (RLE ``size`` is not ``[height, width]``)
degenerate_polygon     warn    drop (every polygon has < 3 points or all its
                               points on one line: an empty mask)
outside_polygon        warn    drop (no polygon area inside the image)
degenerate_part        warn    keep; the degenerate polygons are ignored
                               (mmdet drops those under 3 points, the
                               others rasterise to nothing and
                               ``SnipChipCrop`` drops them)
partly_outside_polygon warn    keep; clipped (``SnipChipCrop`` clips to the
                               chip, ``pycocotools`` to the image)
====================== ======= ============================================

Self-intersecting polygons are kept as they are, no reason: the
annotator's fill (``pycocotools`` rasterises them with its crossing rule,
and :func:`~mmsniper.chips.polygons.clip_polygon` keeps that fill). A
dropped annotation goes with its box (mmdet's masks and boxes stay
aligned), so the policy ``error`` is the one to choose when boxes matter
more than masks.
"""
from typing import Optional, Tuple

import numpy as np

from ..chips.polygons import clip_polygon, is_degenerate

#: Mask reasons -> policy class.
MASK_REASONS = dict(
    missing_mask='mask', malformed_mask='mask', rle_size_mismatch='mask',
    degenerate_polygon='mask', outside_polygon='mask',
    degenerate_part='mask', partly_outside_polygon='mask')
#: Default policy of the class, and of the reasons that differ from it.
MASK_DEFAULTS = dict(mask='warn', missing_mask='error',
                     malformed_mask='error', rle_size_mismatch='error')
#: Reasons whose annotation is kept (repaired downstream, see above).
KEPT_MASK_REASONS = ('degenerate_part', 'partly_outside_polygon')


def loads_masks(dataset) -> bool:
    """Whether a dataset's pipeline loads instance masks (a transform with
    ``with_mask=True``, e.g. mmdet's ``LoadAnnotations``)."""
    transforms = getattr(getattr(dataset, 'pipeline', None), 'transforms',
                         None) or []
    return any(getattr(t, 'with_mask', False) for t in transforms)


def _rle_problem(seg: dict, wh) -> Tuple[Optional[str], str]:
    size, counts = seg.get('size'), seg.get('counts')
    if not (isinstance(size, (list, tuple)) and len(size) == 2
            and isinstance(counts, (list, str, bytes))):
        return 'malformed_mask', (f"field 'segmentation' is a dict without "
                                  f"a usable 'size' {size!r} / 'counts'")
    if wh is not None and [int(size[0]), int(size[1])] != [wh[1], wh[0]]:
        return 'rle_size_mismatch', (
            f"field 'segmentation' is an RLE of size {list(size)} (h, w) "
            f'but the image is {wh[0]}x{wh[1]} (w x h)')
    return None, ''


def _number_list(part) -> bool:
    """A flat list of finite numbers (numpy-fast: polygons can be long)."""
    if not isinstance(part, (list, tuple)):
        return False
    try:
        arr = np.asarray(part)
    except ValueError:  # ragged
        return False
    return arr.ndim == 1 and arr.dtype.kind in 'iuf' and bool(
        np.isfinite(arr).all())


def mask_problem(ann: dict, wh: Optional[Tuple[int, int]]
                 ) -> Tuple[Optional[str], str]:
    """The first mask problem ``(reason, text)`` of a COCO annotation.

    Args:
        ann (dict): A COCO annotation (``segmentation``: polygons, a list
            of flat ``[x0, y0, x1, y1, ...]`` lists, or an RLE dict).
        wh (tuple[int, int], optional): ``(width, height)`` of the image;
            None skips the checks against the image.

    Returns:
        tuple[str | None, str]: A reason of :data:`MASK_REASONS` (one that
        drops the annotation before one that keeps it) and its text;
        ``(None, '')`` for a good mask.
    """
    seg = ann.get('segmentation')
    if isinstance(seg, dict):
        return _rle_problem(seg, wh)
    if not seg:
        return 'missing_mask', (f"field 'segmentation' is {seg!r}: the "
                                'pipeline loads masks (with_mask=True)')
    if not isinstance(seg, (list, tuple)) or not all(map(_number_list, seg)):
        return 'malformed_mask', ("field 'segmentation' is not a list of "
                                  'polygons (lists of finite numbers)')
    bad = [k for k, p in enumerate(seg) if len(p) % 2 or len(p) < 6
           or is_degenerate(np.asarray(p, np.float64))]
    if len(bad) == len(seg):
        return 'degenerate_polygon', (
            f"field 'segmentation': every polygon ({len(seg)}) has under 3 "
            'points, an odd number of coordinates or its points on a line')
    good = [np.asarray(p, np.float64) for k, p in enumerate(seg)
            if k not in bad]
    if wh is not None:
        box = (0, 0, wh[0], wh[1])
        if all(is_degenerate(clip_polygon(p, box)) for p in good):
            return 'outside_polygon', (f"field 'segmentation' has no area "
                                       f'inside the {wh[0]}x{wh[1]} image')
    if bad:
        return 'degenerate_part', (
            f"field 'segmentation': polygon(s) {bad} of {len(seg)} "
            'degenerate, ignored')
    if wh is not None:
        xy = np.concatenate(good).reshape(-1, 2)
        if (xy < 0).any() or (xy > wh).any():
            return 'partly_outside_polygon', (
                f"field 'segmentation' reaches {xy.min(0).tolist()} - "
                f'{xy.max(0).tolist()}, clipped to the {wh[0]}x{wh[1]} '
                'image')
    return None, ''
