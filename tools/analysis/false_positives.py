# Copyright (c) mmsniper contributors. All rights reserved.
"""False positives of a COCO detection json, and how many of them are
*parts of larger objects*.

    python tools/analysis/false_positives.py GT_JSON DET_JSON \\
        [--score-thr 0.3 0.5] [--out fp.json]

A detection (score >= ``--score-thr``) is a false positive when its IoU with
every ground-truth box of its image (any class, crowd boxes included) is
below ``--iou-thr`` (0.5). A false positive is *inside a larger object*
when some ground-truth box at least ``--area-ratio`` (4) times its area
holds at least ``--inside`` (0.8) of it (intersection over the
detection's area): the dots of a hexagon, the corner of a square, the
wheel of a bus. That is what a SNIPER model produces when the parts of
large objects are ignore regions at the fine scale instead of background
(issue 9).

Prints, per score threshold: detections, false positives, false positives
per image and the share inside a larger object.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmsniper.chips.stats import read_coco_json  # noqa: E402
from mmsniper.utils.io import atomic_write  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('gt', help='COCO ground-truth json')
    p.add_argument('dets', help='COCO detection results json (a list)')
    p.add_argument('--score-thr', type=float, nargs='+', default=[0.3, 0.5])
    p.add_argument('--iou-thr', type=float, default=0.5)
    p.add_argument('--inside', type=float, default=0.8,
                   help='intersection over the detection area')
    p.add_argument('--area-ratio', type=float, default=4.0)
    p.add_argument('--out', default=None, help='write the numbers (json)')
    return p.parse_args(argv)


def _xyxy(boxes: List[list]) -> np.ndarray:
    """``[n, 4]`` x1y1x2y2 of COCO x y w h boxes."""
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).copy()
    b[:, 2:] += b[:, :2]
    return b


def _pairwise(a: np.ndarray, b: np.ndarray):
    """Intersection ``[n, m]``, areas ``[n]`` and ``[m]``."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clip(0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clip(0).prod(-1)
    return inter, area_a, area_b


def classify(dets: np.ndarray, gts: np.ndarray, iou_thr: float,
             inside: float, area_ratio: float):
    """bool ``[n]`` false positive, bool ``[n]`` inside a larger object.

    Args:
        dets (np.ndarray): ``[n, 4]`` x1y1x2y2 detections of one image.
        gts (np.ndarray): ``[m, 4]`` x1y1x2y2 ground truth of the image.
    """
    if len(gts) == 0 or len(dets) == 0:
        return np.ones(len(dets), bool), np.zeros(len(dets), bool)
    inter, area_d, area_g = _pairwise(dets, gts)
    iou = inter / np.maximum(area_d[:, None] + area_g[None] - inter, 1e-9)
    fp = iou.max(1) < iou_thr
    iof = inter / np.maximum(area_d[:, None], 1e-9)
    larger = area_g[None] >= area_ratio * area_d[:, None]
    part = fp & ((iof >= inside) & larger).any(1)
    return fp, part


def false_positive_stats(gt: dict, dets: List[dict], score_thrs,
                         iou_thr: float = 0.5, inside: float = 0.8,
                         area_ratio: float = 4.0) -> Dict[str, dict]:
    """Numbers of :func:`classify` over a dataset, per score threshold."""
    gt_boxes: Dict[int, list] = {img['id']: [] for img in gt['images']}
    for ann in gt['annotations']:
        gt_boxes.setdefault(ann['image_id'], []).append(ann['bbox'])
    det_boxes: Dict[int, list] = {}
    for d in dets:
        det_boxes.setdefault(d['image_id'], []).append(d)
    out = {}
    for thr in score_thrs:
        n_det = n_fp = n_part = 0
        for img_id, boxes in gt_boxes.items():
            ds = [d['bbox'] for d in det_boxes.get(img_id, [])
                  if d['score'] >= thr]
            fp, part = classify(_xyxy(ds), _xyxy(boxes), iou_thr, inside,
                                area_ratio)
            n_det += len(ds)
            n_fp += int(fp.sum())
            n_part += int(part.sum())
        out[f'{thr:g}'] = dict(
            detections=n_det, false_positives=n_fp,
            fp_per_image=n_fp / max(len(gt_boxes), 1),
            inside_larger=n_part,
            inside_larger_frac=n_part / n_fp if n_fp else 0.0)
    return out


def main(argv=None) -> dict:
    args = parse_args(argv)
    gt = read_coco_json(args.gt)
    with open(args.dets, encoding='utf-8') as f:
        dets = json.load(f)
    if not isinstance(dets, list):
        raise SystemExit(f'error: {args.dets} is not a COCO results list')
    stats = false_positive_stats(gt, dets, args.score_thr, args.iou_thr,
                                 args.inside, args.area_ratio)
    print(f'{len(gt["images"])} images; false positive: IoU < '
          f'{args.iou_thr:g} with every object; inside a larger object: '
          f'>= {args.inside:g} of it inside an object >= '
          f'{args.area_ratio:g}x its area')
    print(f'{"score >=":>9} {"dets":>6} {"FP":>6} {"FP/img":>7} '
          f'{"inside larger":>14}')
    for thr, s in stats.items():
        print(f'{thr:>9} {s["detections"]:>6} {s["false_positives"]:>6} '
              f'{s["fp_per_image"]:>7.2f} {s["inside_larger"]:>6} '
              f'({100 * s["inside_larger_frac"]:.0f}%)')
    if args.out:
        with atomic_write(args.out) as f:
            json.dump(dict(gt=args.gt, dets=args.dets, stats=stats), f,
                      indent=2)
    return stats


if __name__ == '__main__':
    main()
