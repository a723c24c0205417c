# Copyright (c) mmsniper contributors. All rights reserved.
"""Per-input candidate detections without NMS, as the original's tester.

SNIPER keeps, per scale, every RoI class score above 1e-3 and merges all
scales once with soft-NMS (spec section 4). mmdet's ``predict`` would run
its own per-class NMS (and score threshold, and ``max_per_img``) on every
scale first. For two-stage detectors with a ``StandardRoIHead`` and a
``BBoxHead`` (Faster R-CNN, FocusFasterRCNN, ...), :func:`raw_detections`
runs the RPN with the given proposal budget and asks the RoI head for its
raw per-class boxes and scores (``rcnn_test_cfg=None``, mmdet's own
"aug test" path), then keeps every ``(RoI, class)`` above the score floor.
One-stage detectors with an mmdet dense head (RetinaNet, ATSS, ...) give
their raw per-class candidates through :mod:`.raw_predict_dense`, and with
a FocusPixel head (FocusRetinaNet, FocusATSS) their maps from the same
features. Other detectors fall back to their ``predict`` (their NMS
applies), with a note logged once.

Shape shorthands: ``B`` inputs, ``N`` candidates, ``C`` classes.
"""
import copy
from typing import List, Optional, Tuple

import torch
from mmdet.models.detectors import TwoStageDetector
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.roi_heads.bbox_heads import BBoxHead
from mmdet.structures import SampleList
from mmdet.structures.bbox import BaseBoxes
from mmengine.config import ConfigDict
from mmengine.logging import print_log
from torch import Tensor

from ..detectors.focus_head_mixin import inside_test_time_wrapper
from .instance_masks import candidate_mask_probs
from .raw_predict_dense import dense_candidates, supports_raw_dense

Dets = Tuple[Tensor, Tensor, Tensor]  # (N, 4), (N, ), (N, )
_NOTED = set()


def supports_raw(detector) -> bool:
    """Whether :func:`raw_detections` can skip the detector's own NMS."""
    return (isinstance(detector, TwoStageDetector)
            and isinstance(getattr(detector, 'roi_head', None),
                           StandardRoIHead)
            and isinstance(getattr(detector.roi_head, 'bbox_head', None),
                           BBoxHead))


def _note_once(detector) -> None:
    name = type(detector).__name__
    if name not in _NOTED:
        _NOTED.add(name)
        print_log(
            f'{name} has no raw per-class output (not a two-stage detector '
            'with a StandardRoIHead nor a one-stage detector with an mmdet '
            'dense head): the multi-scale merge runs on its '
            'predict(), after its own per-input NMS', logger='current')


def _candidates(bboxes: Tensor, scores: Tensor, num_classes: int,
                score_floor: float, cap: Optional[int]) -> Dets:
    """``(RoI, class)`` pairs above ``score_floor``; the ``cap`` best."""
    if isinstance(bboxes, BaseBoxes):
        bboxes = bboxes.tensor
    n = scores.shape[0]
    if n == 0:
        return (bboxes.new_zeros((0, 4)), scores.new_zeros((0, )),
                torch.zeros((0, ), dtype=torch.long, device=scores.device))
    cls_scores = scores[:, :num_classes]
    boxes = bboxes.reshape(n, -1, 4)
    if boxes.shape[1] == 1:  # class-agnostic regression
        boxes = boxes.expand(n, num_classes, 4)
    mask = cls_scores > score_floor
    roi_idx, labels = mask.nonzero(as_tuple=True)
    out_scores = cls_scores[roi_idx, labels]
    out_boxes = boxes[roi_idx, labels]
    if cap is not None and out_scores.numel() > cap:
        out_scores, top = out_scores.topk(cap)
        out_boxes, labels = out_boxes[top], labels[top]
    return out_boxes, out_scores, labels


@torch.no_grad()
def raw_detections(detector,
                   inputs: Tensor,
                   samples: SampleList,
                   rpn_max: Optional[int] = None,
                   det_max: Optional[int] = None,
                   score_floor: float = 1e-3,
                   with_focus: bool = False,
                   with_masks: bool = False
                   ) -> Tuple[List[Dets], Optional[List[Tensor]]]:
    """Candidates of a preprocessed batch, in input pixels.

    Args:
        detector (nn.Module): An mmdet detector.
        inputs (Tensor): ``(B, C, H, W)`` from the detector's data
            preprocessor.
        samples (list[DetDataSample]): Their samples (``img_shape`` etc.).
        rpn_max (int, optional): Proposals per input (two-stage: the RPN's
            ``max_per_img``). Defaults to the RPN's test config.
        det_max (int, optional): Candidates kept per input. Defaults to
            None (all above ``score_floor``).
        score_floor (float): Class scores kept. Defaults to 1e-3.
        with_focus (bool): Also return the FocusPixel maps ``(h, w)`` (the
            detector needs ``predict_focus``). Defaults to False.
        with_masks (bool): Also return each candidate's ``(M, M)`` float16
            mask probabilities in its box (the detector needs a mask head
            and raw output, :func:`supports_raw`). Defaults to False.

    Returns:
        tuple: One ``(bboxes, scores, labels)`` (``+ (masks, )`` with
        ``with_masks``) per input, and the maps (or None).
    """
    if with_masks and not supports_raw(detector):
        raise ValueError(
            f'{type(detector).__name__}: masks through the test-time '
            'wrappers need a two-stage detector with a StandardRoIHead, a '
            'BBoxHead and a mask head (e.g. Mask R-CNN); set with_mask=False '
            'in the wrapper settings for boxes only')
    if not supports_raw(detector):
        if supports_raw_dense(detector) and (
                not with_focus or hasattr(detector, 'predict_focus')):
            # one-stage: the candidates and (FocusRetinaNet, FocusATSS)
            # the FocusPixel maps of one feature pass
            x = detector.extract_feat(inputs)
            maps = detector.predict_focus(x, samples) if with_focus \
                else None
            return dense_candidates(detector, x, samples, det_max,
                                    score_floor), maps
        _note_once(detector)
        with inside_test_time_wrapper():
            if with_focus:
                preds = detector.predict(inputs, samples, rescale=False,
                                         with_focus=True)
                maps = [p.pred_focus_map.prob[0] for p in preds]
            else:
                preds = detector.predict(inputs, samples, rescale=False)
                maps = None
        dets = []
        for p in preds:
            inst = p.pred_instances
            b = inst.bboxes
            b = b.tensor if hasattr(b, 'tensor') else b
            dets.append((b.reshape(-1, 4), inst.scores, inst.labels))
            if det_max is not None and len(dets[-1][1]) > det_max:
                s, top = dets[-1][1].topk(det_max)
                dets[-1] = (dets[-1][0][top], s, dets[-1][2][top])
        return dets, maps
    x = detector.extract_feat(inputs)
    metas = [s.metainfo for s in samples]
    rpn_cfg = copy.deepcopy(detector.rpn_head.test_cfg)
    if rpn_max is not None:
        rpn_cfg = ConfigDict(rpn_cfg)
        rpn_cfg.max_per_img = int(rpn_max)
    proposals = detector.rpn_head.predict_by_feat(
        *detector.rpn_head(x), batch_img_metas=metas, cfg=rpn_cfg,
        rescale=False)
    raw = detector.roi_head.predict_bbox(
        x, metas, proposals, rcnn_test_cfg=None, rescale=False)
    num_classes = detector.roi_head.bbox_head.num_classes
    dets = [
        _candidates(r.bboxes, r.scores, num_classes, score_floor, det_max)
        for r in raw
    ]
    if with_masks:
        probs = candidate_mask_probs(detector, x, [d[0] for d in dets],
                                     [d[2] for d in dets])
        dets = [d + (p, ) for d, p in zip(dets, probs)]
    maps = detector.predict_focus(x, samples) if with_focus else None
    return dets, maps
