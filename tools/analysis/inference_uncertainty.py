"""How far an mAP drop measured on one split can move on another: the
standard error of the paired mAP difference between the full pyramid and an
AutoFocus point, by the delete-a-group jackknife over images.

Used by tools/analysis/benchmark_inference.py (``--choose-z``): a point
chosen on val as ``drop + z * se <= DROP`` keeps a margin for the val-to-test
shift instead of sitting at the edge of DROP.
"""
import contextlib
import io
from typing import Dict, List, Sequence

import numpy as np


def fold_of(img_ids: Sequence[int], folds: int) -> Dict[int, int]:
    """Image id -> fold, interleaved by position (``i % folds``)."""
    return {img_id: i % folds for i, img_id in enumerate(img_ids)}


def leave_fold_out_maps(gt, img_ids: Sequence[int], dets: List[dict],
                        cat_ids: Sequence[int], folds: int) -> np.ndarray:
    """COCO bbox mAP (in points) of ``dets`` with each fold of images left
    out.

    Args:
        gt (pycocotools.coco.COCO): The split's ground truth.
        img_ids (Sequence[int]): Images of the run, in benchmark order.
        dets (list[dict]): Detections as the benchmark keeps them
            (``image_id``, ``label``, ``score``, ``bbox`` xywh).
        cat_ids (Sequence[int]): Category id of each label.
        folds (int): Number of groups (>= 2, <= len(img_ids)).

    Returns:
        np.ndarray: ``(folds,)`` mAP without fold k, in points.
    """
    from pycocotools.cocoeval import COCOeval
    if not 2 <= folds <= len(img_ids):
        raise ValueError(f'jackknife folds must be in [2, {len(img_ids)}] '
                         f'(the number of images), got {folds}')
    fold = fold_of(img_ids, folds)
    res = [
        dict(image_id=d['image_id'], category_id=cat_ids[d['label']],
             bbox=d['bbox'], score=d['score']) for d in dets
    ]
    out = np.zeros(folds)
    if not res:
        return out
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(res)
        for k in range(folds):
            ev = COCOeval(gt, dt, 'bbox')
            ev.params.imgIds = [i for i in img_ids if fold[i] != k]
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            out[k] = 100 * max(ev.stats[0], 0.)
    return out


def jackknife_se(base: np.ndarray, other: np.ndarray) -> float:
    """Jackknife standard error of ``mAP(base) - mAP(other)`` from their
    leave-fold-out values (paired: the same folds for both).

    ``se = sqrt((K - 1) / K * sum_k (d_k - mean(d))^2)`` with
    ``d_k = base_k - other_k``.
    """
    d = np.asarray(base, float) - np.asarray(other, float)
    k = len(d)
    if k < 2:
        raise ValueError('the jackknife needs at least 2 folds')
    return float(np.sqrt((k - 1) / k * np.sum((d - d.mean())**2)))
