# Copyright (c) mmsniper contributors. All rights reserved.
"""Dataset-level chip statistics (used by ``tools/analysis/chip_stats.py``
and ``tools/analysis/benchmark_chips.py``).

An *image record* is a dict with ``height``, ``width``, ``bboxes`` (float64
``[N, 4]`` x1y1x2y2), ``ignore`` (bool ``[N]``) and optionally ``id`` and
``file_name``.
"""
import json
import time
from typing import Dict, List, Optional, Sequence

import numpy as np

from .generate import generate_chips
from .scales import DEFAULT_CHIP_SIZE, DEFAULT_SCALES
from .valid_ranges import DEFAULT_VALID_RANGES


def read_coco_json(ann_file: str) -> dict:
    """The parsed COCO json ``ann_file``.

    Raises:
        ValueError: When it is not a COCO detection json (a dict with
            ``images`` and ``annotations``).
    """
    with open(ann_file, encoding='utf-8') as f:
        coco = json.load(f)
    if not isinstance(coco, dict) or 'images' not in coco or \
            'annotations' not in coco:
        raise ValueError(f'{ann_file} is not a COCO json (needs "images" '
                         'and "annotations")')
    return coco


def load_coco_boxes(ann_file: str) -> List[dict]:
    """Image records of a COCO json (no pycocotools needed).

    Crowd boxes (``iscrowd``) are flagged ``ignore``; images without
    annotations are kept (they get no chips).

    Raises:
        ValueError: When the file is not a COCO detection json.
    """
    coco = read_coco_json(ann_file)
    per_img: Dict[int, list] = {}
    for ann in coco['annotations']:
        per_img.setdefault(ann['image_id'], []).append(ann)
    records = []
    for img in coco['images']:
        anns = per_img.get(img['id'], [])
        boxes = np.array([a['bbox'] for a in anns],
                         dtype=np.float64).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        records.append(
            dict(
                id=img['id'],
                file_name=img.get('file_name', ''),
                height=int(img['height']),
                width=int(img['width']),
                bboxes=boxes,
                ignore=np.array([bool(a.get('iscrowd', 0)) for a in anns],
                                dtype=bool)))
    return records


def random_records(num_images: int = 100,
                   seed: int = 0,
                   img_size: Sequence[int] = (1000, 2000),
                   num_boxes: Sequence[int] = (10, 60),
                   size_range: Sequence[float] = (8., 600.),
                   cluster_prob: float = 0.8) -> List[dict]:
    """Built-in random image records: log-uniform box sizes, sides drawn
    uniformly in ``img_size``, boxes below 64 px clustered around 1-3
    centres with probability ``cluster_prob`` (a stand-in for the synthetic
    dataset when it is not generated)."""
    rng = np.random.default_rng(seed)
    records = []
    for k in range(num_images):
        h, w = (int(v) for v in rng.integers(img_size[0], img_size[1] + 1,
                                             2))
        n = int(rng.integers(num_boxes[0], num_boxes[1] + 1))
        size = np.exp(rng.uniform(*np.log(size_range), n))
        ar = np.exp(rng.uniform(np.log(0.6), np.log(1.7), n))
        bw, bh = size * np.sqrt(ar), size / np.sqrt(ar)
        centres = rng.uniform([0, 0], [w, h], (int(rng.integers(1, 4)), 2))
        pick = centres[rng.integers(0, len(centres), n)]
        sigma = rng.uniform(0.05, 0.10) * np.sqrt(h * w)
        clustered = (size < 64) & (rng.random(n) < cluster_prob)
        cx = np.where(clustered, rng.normal(pick[:, 0], sigma),
                      rng.uniform(bw / 2, w - bw / 2))
        cy = np.where(clustered, rng.normal(pick[:, 1], sigma),
                      rng.uniform(bh / 2, h - bh / 2))
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2],
                         axis=1)
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
        records.append(
            dict(id=k, file_name='', height=h, width=w, bboxes=boxes,
                 ignore=np.zeros(n, bool)))
    return records


def chip_stats(records: List[dict],
               scales: Sequence = DEFAULT_SCALES,
               valid_ranges: Sequence = DEFAULT_VALID_RANGES,
               chip_size: int = DEFAULT_CHIP_SIZE,
               stride=32,
               seed: int = 0,
               prune: bool = True,
               backend: str = 'auto',
               num_neg_chips: int = 0,
               proposals: Optional[Dict] = None,
               coarsest_whole_image: bool = True,
               min_box_side: float = 2.0) -> dict:
    """Chips, pixels, validity and coverage of a dataset.

    Args:
        records (list[dict]): Image records.
        scales, valid_ranges, chip_size, stride, prune, backend,
            coarsest_whole_image, min_box_side: As in
            :func:`~mmsniper.chips.generate_chips` (a ``SniperDataset``'s
            ``chip_cfg`` holds these keys).
        seed (int): Base seed; image ``k`` uses ``seed + k``.
        num_neg_chips (int): Negative chips per image (needs proposals).
        proposals (dict, optional): Image id to ``[P, 4(+1)]`` proposals.

    Returns:
        dict: ``num_images``, ``num_boxes``, ``chips_per_img`` (``[S]``
        positive chips per image and scale), ``neg_per_img``,
        ``pixel_frac`` (``[S]`` padded chip pixels / full-pyramid pixels,
        per scale), ``pixel_frac_total``, ``mpix_per_img`` (chip pixels per
        image, millions), ``pyramid_mpix_per_img``, ``valid_frac`` (share of
        usable boxes valid at some scale), ``valid_frac_per_scale``
        ``[S]``,
        ``coverage`` (share of valid (box, scale) pairs fully inside a
        positive chip of that scale; 1.0 by construction), ``ms_per_img``.
    """
    num_scales = len(scales)
    chips = np.zeros(num_scales)
    chip_pix = np.zeros(num_scales)
    pyr_pix = np.zeros(num_scales)
    neg = 0
    boxes = usable = valid_any = 0
    valid_scale = np.zeros(num_scales)
    pairs = covered = 0
    elapsed = 0.0
    for k, rec in enumerate(records):
        props = None if proposals is None else proposals.get(rec.get('id'))
        t = time.perf_counter()
        res = generate_chips(
            rec['bboxes'], (rec['height'], rec['width']), scales,
            valid_ranges, chip_size, stride, proposals=props,
            gt_ignore_flags=rec.get('ignore'), num_neg_chips=num_neg_chips,
            seed=seed + k, prune=prune, backend=backend,
            coarsest_whole_image=coarsest_whole_image,
            min_box_side=min_box_side)
        elapsed += time.perf_counter() - t
        pos = ~res.is_negative
        chips += np.bincount(res.scale_inds[pos], minlength=num_scales)
        hw = np.maximum(res.chip_shapes.astype(np.float64), chip_size)
        chip_pix += np.bincount(
            res.scale_inds, weights=hw[:, 0] * hw[:, 1],
            minlength=num_scales)
        pyr_pix += res.scaled_shapes[:, 0] * res.scaled_shapes[:, 1]
        neg += res.num_neg
        n_ok = ~res.gt_dropped & ~np.asarray(rec.get('ignore', np.zeros(
            len(res.gt_dropped), bool)), bool)
        boxes += len(res.gt_dropped)
        usable += int(n_ok.sum())
        valid_any += int(res.gt_valid.any(axis=1).sum())
        valid_scale += res.gt_valid.sum(axis=0)
        pairs += int(res.gt_valid.sum())
        covered += _count_covered(res, rec['bboxes'])
    n = max(len(records), 1)
    return dict(
        num_images=len(records),
        num_boxes=boxes,
        chips_per_img=chips / n,
        neg_per_img=neg / n,
        pixel_frac=chip_pix / max(pyr_pix.sum(), 1),
        pixel_frac_total=chip_pix.sum() / max(pyr_pix.sum(), 1),
        mpix_per_img=chip_pix.sum() / n / 1e6,
        pyramid_mpix_per_img=pyr_pix.sum() / n / 1e6,
        valid_frac=valid_any / max(usable, 1),
        valid_frac_per_scale=valid_scale / max(usable, 1),
        coverage=covered / max(pairs, 1),
        ms_per_img=elapsed / n * 1e3)


def _count_covered(res, gt_bboxes: np.ndarray) -> int:
    """Valid (box, scale) pairs whose assigned chip fully holds the box,
    checked independently in scaled pixels (the cover's frame)."""
    h, w = res.img_shape
    b = np.asarray(gt_bboxes, np.float64)[:, :4].copy()
    b[:, 0::2] = b[:, 0::2].clip(0, w)
    b[:, 1::2] = b[:, 1::2].clip(0, h)
    total = 0
    for s in range(res.gt_valid.shape[1]):
        inds = np.flatnonzero(res.gt_valid[:, s])
        if len(inds) == 0:
            continue
        hs, ws = res.scaled_shapes[s]
        bs = b[inds] * res.factors_per_scale[s]
        bs[:, 0::2] = bs[:, 0::2].clip(0, ws)
        bs[:, 1::2] = bs[:, 1::2].clip(0, hs)
        bs = bs.astype(np.float32).astype(np.float64)
        c = res.chips_scaled[res.gt_chip[inds, s]].astype(np.float64)
        ok = ((c[:, 0] <= bs[:, 0]) & (bs[:, 2] <= c[:, 2])
              & (c[:, 1] <= bs[:, 1]) & (bs[:, 3] <= c[:, 3])
              & (res.scale_inds[res.gt_chip[inds, s]] == s))
        total += int(ok.sum())
    return total
