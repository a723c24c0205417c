# Copyright (c) mmsniper contributors. All rights reserved.
"""SNIPER multi-scale inference (spec section 4): :class:`SniperMultiScaleTTA`.
"""
from typing import List, Optional, Sequence, Union

import numpy as np
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptMultiConfig
from torch import Tensor

from ...chips.merge import DEFAULT_NMS_CFG, valid_range_filter
from ...chips.scales import parse_scale, scale_factor, scaled_size
from .base import BaseChipTestDetector, ChipJob

#: Spec 4: test scales (short side, max long side), finest first, and their
#: valid ranges (sqrt(area) in original px; lo exclusive, hi inclusive).
SNIPER_TEST_SCALES = ((1400, 2000), (800, 1280), (480, 512))
SNIPER_TEST_VALID_RANGES = ((-1, 90), (32, 180), (75, -1))


def check_scales_and_ranges(scales: Sequence, valid_ranges: Optional[Sequence],
                            owner: str) -> list:
    """Validate scale specs and one ``(lo, hi)`` (or None) per scale."""
    if len(scales) == 0:
        raise ValueError(f'{owner}: give at least one scale')
    for spec in scales:
        parse_scale(spec)
    if valid_ranges is None:
        return [None] * len(scales)
    if len(valid_ranges) != len(scales):
        raise ValueError(f'{owner}: {len(valid_ranges)} valid ranges for '
                         f'{len(scales)} scales; give one (lo, hi) per scale')
    for r in valid_ranges:
        if r is not None and len(r) != 2:
            raise ValueError(f'{owner}: valid range {r!r} is not a (lo, hi) '
                             'pair')
    return list(valid_ranges)


@MODELS.register_module()
class SniperMultiScaleTTA(BaseChipTestDetector):
    """SNIPER's multi-scale inference around any mmdet detector.

    For every test scale, the detector runs on the whole image resized by
    that scale's factor (``(short, max_long)`` pairs, factors or long-side
    targets, see :mod:`mmsniper.chips.scales`); only the detections whose
    size lies in the scale's valid range are kept
    (:func:`~mmsniper.chips.merge.valid_range_filter`: ``lo**2 < area <=
    hi**2`` in original pixels); the scales are merged per class with
    Gaussian soft-NMS (sigma 0.55) or any ``batched_nms`` config, and at
    most ``max_per_img`` detections are kept.

    Each data sample also gets ``pixels_processed`` (sum over scales of the
    resized image area), ``pixels_per_scale`` and ``full_pyramid_pixels``
    in its metainfo.

    The test pipeline must keep the original image (no ``Resize``).
    ``tools/test.py --mode sniper`` (or ``--tta``) wraps ``cfg.model`` in
    this class and swaps the pipeline.

    Args:
        detector (dict | nn.Module): Inner detector.
        module (dict | nn.Module, optional): Alias of ``detector``.
        tta_cfg (dict): ``scales`` (finest first, defaults to spec 4's
            ``(1400, 2000), (800, 1280), (480, 512)``), ``valid_ranges``
            (one ``(lo, hi)`` per scale, -1 open, None for no filter;
            defaults to spec 4's ``(-1, 90), (32, 180), (75, -1)`` with the
            default scales, else None), ``nms`` (``batched_nms`` config,
            defaults to Gaussian soft-NMS sigma 0.55, score floor 1e-3;
            None: no NMS, only the top ``max_per_img``),
            ``max_per_img`` (defaults to 200), ``chips_per_batch`` (images
            per detector call at one scale, or one value per scale;
            defaults to 1), ``rpn_budget`` and ``det_budget`` (proposals and detections
            per megapixel, see :class:`BaseChipTestDetector`; default to
            none).

    Examples:
        >>> tta_model = dict(
        >>>     type='SniperMultiScaleTTA',
        >>>     tta_cfg=dict(
        >>>         scales=[(1400, 2000), (800, 1280), (480, 512)],
        >>>         valid_ranges=[(-1, 90), (32, 180), (75, -1)],
        >>>         nms=dict(type='soft_nms', method='gaussian', sigma=0.55,
        >>>                  min_score=1e-3, iou_threshold=0.3),
        >>>         max_per_img=200))
        >>> tta_pipeline = [
        >>>     dict(type='LoadImageFromFile'),
        >>>     dict(type='LoadAnnotations', with_bbox=True),
        >>>     dict(type='PackDetInputs',
        >>>          meta_keys=('img_id', 'img_path', 'ori_shape',
        >>>                     'img_shape'))]
    """

    def __init__(self,
                 detector: Union[ConfigType, nn.Module, None] = None,
                 module: Union[ConfigType, nn.Module, None] = None,
                 tta_cfg: Optional[ConfigType] = None,
                 data_preprocessor: Optional[ConfigType] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        tta_cfg = dict(tta_cfg or {})
        super().__init__(
            detector=detector,
            module=module,
            chips_per_batch=tta_cfg.get('chips_per_batch', 1),
            rpn_budget=tta_cfg.get('rpn_budget', None),
            det_budget=tta_cfg.get('det_budget', None),
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if 'scales' in tta_cfg:
            scales = list(tta_cfg['scales'])
            ranges = tta_cfg.get('valid_ranges', None)
        else:
            scales = list(SNIPER_TEST_SCALES)
            ranges = tta_cfg.get('valid_ranges', SNIPER_TEST_VALID_RANGES)
        self.scales = scales
        self.valid_ranges = check_scales_and_ranges(scales, ranges,
                                                    type(self).__name__)
        nms_cfg = tta_cfg.get('nms', DEFAULT_NMS_CFG)
        self.nms_cfg = None if nms_cfg is None else dict(nms_cfg)
        self.max_per_img = int(tta_cfg.get('max_per_img', 200))
        self.tta_cfg = tta_cfg

    def predict(self,
                batch_inputs: List[Tensor],
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """Multi-scale detections of a batch of original images.

        Args:
            batch_inputs (list[Tensor]): Original images ``(C, H, W)``.
            batch_data_samples (list[DetDataSample]): Their data samples.
            rescale (bool): Return boxes in ``ori_shape`` pixels (differs
                from the input only if the pipeline resized). Defaults to
                True.

        Returns:
            list[DetDataSample]: With ``pred_instances`` (merged) and the
            pixel statistics in the metainfo.
        """
        images = [self._to_hwc(x) for x in batch_inputs]
        dets = [[] for _ in images]
        pixels = [[0] * len(self.scales) for _ in images]
        full = [0 for _ in images]
        for s, spec in enumerate(self.scales):
            jobs = []
            for i, img in enumerate(images):
                h, w = img.shape[:2]
                f = scale_factor(spec, (h, w))
                sh, sw = scaled_size((h, w), f)
                full[i] += sh * sw
                jobs.append(ChipJob(i, (0., 0., float(w), float(h)), f))
            results = self.run_chips(
                images, jobs, batch_size=self.batch_size(s))
            for job, res in zip(jobs, results):
                bboxes, scores, labels = res.bboxes, res.scores, res.labels
                if self.valid_ranges[s] is not None:
                    keep = valid_range_filter(bboxes, self.valid_ranges[s])
                    bboxes, scores, labels = (bboxes[keep], scores[keep],
                                              labels[keep])
                dets[job.img_idx].append((bboxes, scores, labels))
                pixels[job.img_idx][s] += res.pixels
        out = []
        for i, (img, sample) in enumerate(zip(images, batch_data_samples)):
            bboxes, scores, labels = self.merge(dets[i], self.nms_cfg,
                                                self.max_per_img)
            out.append(
                self._pack(
                    sample, img, bboxes, scores, labels, rescale,
                    dict(
                        pixels_processed=int(np.sum(pixels[i])),
                        pixels_per_scale=[int(p) for p in pixels[i]],
                        full_pyramid_pixels=int(full[i]))))
        return out
