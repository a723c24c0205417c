# Copyright (c) mmsniper contributors. All rights reserved.
"""The ceiling of AutoFocus on a dataset: :class:`OracleAutoFocusDetector`.

AutoFocus with a perfect FocusPixel map: the map of every chip is painted
from the image's ground truth by the head's own label rule
(:func:`~mmsniper.models.seg_heads.focus_pixel_head.focus_pixel_labels`,
with the head's ``stride``, ``dc_low``, ``small_thresh``, ``dc_high`` and
``round_boxes``): FocusPixels (objects of ``dc_low < sqrt(area) <
small_thresh`` chip px) get probability 1, everything else (background,
don't care, large objects) 0. Everything else (detector, chips, valid
ranges, merge) is :class:`AutoFocusDetector`'s, so the gap between the two
is the head's, and the gap between the oracle and the full pyramid is the
chip mechanics' and the label rule's.

Needs ground truth in the test samples (``LoadAnnotations`` in the
pipeline, as the shipped ``tta_pipeline``); an image without boxes gets an
empty map (no finer scale).
"""
from typing import List, Optional

import torch
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from torch import Tensor

from ..seg_heads.focus_pixel_labels import focus_pixel_labels
from .autofocus import AutoFocusDetector
from .chip_runner import ChipDets, Job


def _boxes(sample, key: str) -> Optional[Tensor]:
    inst = sample.get(key, None)
    if inst is None or 'bboxes' not in inst:
        return None
    b = inst.bboxes
    return (b.tensor if hasattr(b, 'tensor') else b).reshape(-1, 4).float()


@MODELS.register_module()
class OracleAutoFocusDetector(AutoFocusDetector):
    """:class:`AutoFocusDetector` whose FocusPixel maps come from the
    ground truth (see the module docstring). Same arguments."""

    def predict_images(self,
                       images: List[Tensor],
                       samples: SampleList,
                       rescale: bool = True) -> SampleList:
        gts = []
        head = self.module.focus_head
        for i, sample in enumerate(samples):
            boxes = [_boxes(sample, 'gt_instances')]
            if getattr(head, 'use_ignored_instances', True):
                boxes.append(_boxes(sample, 'ignored_instances'))
            boxes = [b for b in boxes if b is not None]
            if not boxes:
                raise ValueError(
                    'OracleAutoFocusDetector needs ground truth: sample '
                    f"{sample.metainfo.get('img_path', i)} has no "
                    'gt_instances (add LoadAnnotations to the test '
                    'pipeline)')
            gts.append(torch.cat(boxes).to(images[i].device))
        self._oracle_gts = gts
        try:
            return super().predict_images(images, samples, rescale)
        finally:
            self._oracle_gts = None

    def run_jobs(self, sources: List[Tensor], jobs: List[Job],
                 batch_size: int, with_focus: bool = False
                 ) -> List[ChipDets]:
        results = super().run_jobs(sources, jobs, batch_size, with_focus)
        if not with_focus:
            return results
        head = self.module.focus_head
        out = []
        for job, res in zip(jobs, results):
            gt = self._oracle_gts[job.img]
            # ground truth in the job's input px (back = 1: AutoFocus jobs
            # are windows of the original image)
            off = gt.new_tensor([job.origin[0], job.origin[1]] * 2)
            boxes = gt * job.f - off
            # boxes outside the window paint nothing (clipping would move
            # them onto the border cells)
            inside = ((boxes[:, 2] > 0) & (boxes[:, 3] > 0)
                      & (boxes[:, 0] < job.shape[1])
                      & (boxes[:, 1] < job.shape[0]))
            labels = focus_pixel_labels(
                boxes[inside], tuple(res.focus_prob.shape), head.stride,
                head.dc_low, head.small_thresh, head.dc_high,
                head.round_boxes)
            prob = (labels == 1).to(res.focus_prob)
            out.append(res._replace(focus_prob=prob))
        return out
