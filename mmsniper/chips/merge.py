# Copyright (c) mmsniper contributors. All rights reserved.
"""Cross-scale merging of detections (spec sections 4 and 5.4).

SNIPER and AutoFocus inference run the detector at several scales (on the
whole image or on chips) and merge the per-scale results in original-image
coordinates:

1. :func:`border_prune` (AutoFocus, pruned scales only): drop detections
   that touch a chip edge that is not an image border;
2. :func:`~mmsniper.chips.valid_ranges.valid_range_filter`: keep, per
   scale, only the object sizes that scale is responsible for;
3. :func:`merge_detections`: concatenate all scales and run per-class
   soft-NMS (Gaussian, sigma 0.55, score floor 1e-3), keep the best 200.

Shape shorthands: ``N`` = number of detections. Every function accepts
``np.ndarray`` or ``torch.Tensor`` inputs; the masks have the input's type.
mmcv is imported lazily, only inside :func:`merge_detections`.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]

#: The original's merge: per-class Gaussian soft-NMS, sigma 0.55, dropping
#: rescored boxes below 1e-3 (``TEST.NMS: -1``, ``TEST.NMS_SIGMA: 0.55``).
#: ``iou_threshold`` is unused by the Gaussian method. ``offset=0`` follows
#: mmdet's continuous coordinates; the original used ``+1`` areas (offset=1).
DEFAULT_NMS_CFG = dict(
    type='soft_nms',
    method='gaussian',
    sigma=0.55,
    min_score=1e-3,
    iou_threshold=0.3,
    offset=0)


def _true_like(x: ArrayLike) -> ArrayLike:
    """All-True boolean mask shaped like the 1-D ``x``."""
    if isinstance(x, torch.Tensor):
        return torch.ones_like(x, dtype=torch.bool)
    return np.ones(x.shape, dtype=bool)


def border_prune(bboxes: ArrayLike,
                 chip: Sequence[float],
                 img_shape: Tuple[int, int],
                 margin: float = 10.) -> ArrayLike:
    """Mask of detections not cut by an inner chip border (AutoFocus).

    Follows ``get_detections.check_valid`` of the original: a chip edge is an
    *inner* edge unless it lies on the image border (left/top when
    ``x1 < 0.5`` / ``y1 < 0.5``, right/bottom when ``x2 >= W - 0.5`` /
    ``y2 >= H - 0.5``). A detection is dropped when the matching edge of the
    detection is closer than ``margin`` pixels to an inner chip edge
    (``|det_x1 - chip_x1| < margin`` and so on).

    Args:
        bboxes (np.ndarray | torch.Tensor): Detections ``[x1, y1, x2, y2]`` in
            original-image pixels (already shifted by the chip origin), shape
            (N, 4).
        chip (Sequence[float]): The chip ``[x1, y1, x2, y2]`` in
            original-image pixels.
        img_shape (tuple[int, int]): Original image ``(height, width)``.
        margin (float): The ``delta`` of the original, in original-image
            pixels. Defaults to 10.

    Returns:
        np.ndarray | torch.Tensor: Boolean keep mask, shape (N, ).

    Example:
        >>> boxes = np.array([[105, 0, 150, 40], [125, 0, 150, 40],
        ...                   [125, 0, 195, 40]], dtype=np.float32)
        >>> border_prune(boxes, (100, 0, 200, 100), (100, 300)).tolist()
        [False, True, False]
    """
    height, width = img_shape
    cx1, cy1, cx2, cy2 = (float(c) for c in chip)
    keep = _true_like(bboxes[:, 0])
    inner_edges = ((0, cx1, cx1 >= 0.5), (1, cy1, cy1 >= 0.5),
                   (2, cx2, cx2 < width - 0.5), (3, cy2, cy2 < height - 0.5))
    for col, edge, is_inner in inner_edges:
        if is_inner:
            keep = keep & (abs(bboxes[:, col] - edge) >= margin)
    return keep


def merge_detections(
    results: Sequence[Tuple[ArrayLike, ArrayLike, ArrayLike]],
    nms_cfg: Optional[dict] = None,
    max_per_img: int = 200,
    return_index: bool = False
) -> Tuple[torch.Tensor, ...]:
    """Merge the detections of several scales of one image.

    Concatenates the per-scale results (already in original-image
    coordinates, already range-filtered), runs
    :func:`mmcv.ops.batched_nms` (per class) and keeps the ``max_per_img``
    highest (rescored) scores.

    Args:
        results (Sequence[tuple]): One ``(bboxes, scores, labels)`` per scale
            with shapes (N_i, 4), (N_i, ) and (N_i, ).
        nms_cfg (dict, optional): ``nms_cfg`` of ``batched_nms``. Defaults to
            :data:`DEFAULT_NMS_CFG` (Gaussian soft-NMS, sigma 0.55, score
            floor 1e-3).
        max_per_img (int): Detections kept per image over all classes; a
            non-positive value keeps all. Defaults to 200.
        return_index (bool): Also return the survivors' indices ``(M, )``
            into the concatenation of ``results`` (to carry per-candidate
            data such as mask maps). Defaults to False.

    Returns:
        tuple[torch.Tensor, ...]: ``bboxes`` (M, 4), ``scores`` (M, )
        after rescoring, ``labels`` (M, ) int64, sorted by decreasing
        score (and the int64 indices with ``return_index``).
    """
    from mmcv.ops import batched_nms

    if nms_cfg is None:
        nms_cfg = DEFAULT_NMS_CFG
    bboxes = torch.cat([torch.as_tensor(r[0]).reshape(-1, 4) for r in results])
    scores = torch.cat([torch.as_tensor(r[1]).reshape(-1) for r in results])
    labels = torch.cat([torch.as_tensor(r[2]).reshape(-1) for r in results])
    bboxes = bboxes.float()
    scores = scores.to(bboxes)
    labels = labels.long()
    if bboxes.numel() == 0:
        out = (bboxes.new_zeros((0, 4)), scores.new_zeros((0, )),
               labels.new_zeros((0, )))
        return out + (labels.new_zeros((0, )), ) if return_index else out
    dets, keep = batched_nms(bboxes, scores, labels, nms_cfg)
    keep = keep.to(labels.device)
    out_scores, order = dets[:, -1].sort(descending=True, stable=True)
    if max_per_img > 0:
        order, out_scores = order[:max_per_img], out_scores[:max_per_img]
    keep = keep[order.to(keep.device)]
    out = (bboxes[keep], out_scores.to(scores), labels[keep])
    return out + (keep.long(), ) if return_index else out
