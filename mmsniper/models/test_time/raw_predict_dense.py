# Copyright (c) mmsniper contributors. All rights reserved.
"""Raw per-class candidates of one-stage detectors (mmdet dense heads).

The dense-head counterpart of
:func:`~mmsniper.models.test_time.raw_predict.raw_detections`' two-stage
path: the head decodes its top ``(prior, class)`` pairs per level above the
score floor (its own ``predict_by_feat`` with ``with_nms=False``, mmdet's
"aug test" path: no NMS, no ``max_per_img``), so the SNIPER pyramid merges
every scale's candidates once, as for Faster R-CNN. Heads with a score
factor (ATSS, FCOS centerness) multiply it in, as their ``predict``;
candidates that fall under the floor after it are dropped.

Shape shorthands: ``B`` inputs, ``N`` candidates.
"""
import copy
import inspect
from typing import List, Optional, Tuple

from mmdet.models.dense_heads.base_dense_head import BaseDenseHead
from mmdet.models.detectors import SingleStageDetector
from mmdet.structures import SampleList
from mmengine.config import ConfigDict
from torch import Tensor

Dets = Tuple[Tensor, Tensor, Tensor]  # (N, 4), (N, ), (N, )


def supports_raw_dense(detector) -> bool:
    """Whether :func:`raw_dense_detections` can skip the detector's NMS: a
    :class:`SingleStageDetector` whose ``bbox_head`` is an mmdet dense head
    with ``predict_by_feat(..., with_nms=...)`` (RetinaNet, ATSS, FCOS,
    GFL, ...)."""
    head = getattr(detector, 'bbox_head', None)
    return (isinstance(detector, SingleStageDetector)
            and isinstance(head, BaseDenseHead) and 'with_nms'
            in inspect.signature(head.predict_by_feat).parameters)


def raw_dense_detections(detector,
                         inputs: Tensor,
                         samples: SampleList,
                         det_max: Optional[int] = None,
                         score_floor: float = 1e-3) -> List[Dets]:
    """Candidates of a preprocessed batch, in input pixels, without NMS:
    :func:`dense_candidates` of its features.

    Args:
        detector (SingleStageDetector): See :func:`supports_raw_dense`.
        inputs (Tensor): ``(B, C, H, W)`` from the detector's data
            preprocessor.
        samples (list[DetDataSample]): Their samples (``img_shape`` etc.).
        det_max (int, optional): See :func:`dense_candidates`.
        score_floor (float): See :func:`dense_candidates`.

    Returns:
        list[tuple]: One ``(bboxes (N, 4), scores (N, ), labels (N, ))`` per
        input.
    """
    return dense_candidates(detector, detector.extract_feat(inputs),
                            samples, det_max, score_floor)


def dense_candidates(detector,
                     x: Tuple[Tensor, ...],
                     samples: SampleList,
                     det_max: Optional[int] = None,
                     score_floor: float = 1e-3) -> List[Dets]:
    """Candidates of a batch from its FPN features ``x``, in input pixels,
    without NMS (a FocusPixel head can run on the same ``x``).

    Args:
        detector (SingleStageDetector): See :func:`supports_raw_dense`.
        x (tuple[Tensor]): ``detector.extract_feat`` of the batch.
        samples (list[DetDataSample]): Their samples (``img_shape`` etc.).
        det_max (int, optional): Candidates kept per input, the best
            scores. The head pre-selects per level its ``nms_pre`` best
            ``(prior, class)`` class scores, raised to ``det_max`` when
            that is larger (a fine scale's budget), so a budget never
            starves on the pre-selection. Defaults to None: all above
            ``score_floor`` among the pre-selected.
        score_floor (float): Class scores kept (the head's ``score_thr`` is
            replaced). Defaults to 1e-3.

    Returns:
        list[tuple]: One ``(bboxes (N, 4), scores (N, ), labels (N, ))`` per
        input.
    """
    head = detector.bbox_head
    cfg = ConfigDict(copy.deepcopy(head.test_cfg or {}))
    cfg.score_thr = float(score_floor)
    if det_max is not None and 0 < cfg.get('nms_pre', -1) < det_max:
        cfg.nms_pre = int(det_max)
    metas = [s.metainfo for s in samples]
    results = head.predict_by_feat(
        *head(x), batch_img_metas=metas, cfg=cfg, rescale=False,
        with_nms=False)
    dets = []
    for r in results:
        b = r.bboxes
        b = (b.tensor if hasattr(b, 'tensor') else b).reshape(-1, 4)
        keep = r.scores > score_floor  # after a score factor
        b, scores, labels = b[keep], r.scores[keep], r.labels[keep]
        if det_max is not None and scores.numel() > det_max:
            scores, top = scores.topk(det_max)
            b, labels = b[top], labels[top]
        dets.append((b, scores, labels))
    return dets
