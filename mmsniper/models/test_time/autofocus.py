# Copyright (c) mmsniper contributors. All rights reserved.
"""AutoFocus inference (spec sections 5.3 and 5.4): :class:`AutoFocusDetector`.
"""
from typing import List, Optional, Union

import numpy as np
import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptMultiConfig
from mmengine.structures import PixelData
from torch import Tensor

from ...chips.focus import focus_chips
from ...chips.merge import DEFAULT_NMS_CFG, border_prune, \
    valid_range_filter
from ...chips.scales import scale_factor, scaled_size
from .base import BaseChipTestDetector, ChipJob
from .multiscale_tta import check_scales_and_ranges

#: Spec 5.4 / 5.3 defaults (COCO): scales coarse to fine, valid ranges and
#: the (dilation, threshold, min chip cells) of each transition.
AUTOFOCUS_SCALES = ((480, 512), (800, 1280), (1400, 2000))
AUTOFOCUS_VALID_RANGES = ((75, -1), (32, 180), (-1, 75))
AUTOFOCUS_TRANSITIONS = (dict(dilation=3, threshold=0.02, min_chip_cells=16),
                         dict(dilation=3, threshold=0.2, min_chip_cells=20))


def clip_chips(chips: np.ndarray, img_shape, min_side: float = 1.
               ) -> np.ndarray:
    """Clip chips ``(K, 4)`` to the image and drop those thinner than
    ``min_side`` original pixels."""
    h, w = img_shape
    chips = np.asarray(chips, dtype=np.float64).reshape(-1, 4).copy()
    chips[:, 0::2] = chips[:, 0::2].clip(0, w)
    chips[:, 1::2] = chips[:, 1::2].clip(0, h)
    keep = ((chips[:, 2] - chips[:, 0]) >= min_side) & (
        (chips[:, 3] - chips[:, 1]) >= min_side)
    return chips[keep]


@MODELS.register_module()
class AutoFocusDetector(BaseChipTestDetector):
    """AutoFocus: multi-scale inference on FocusChips only.

    1. The coarsest scale runs on the whole image; the inner detector
       (with a FocusPixel head, e.g. :class:`FocusFasterRCNN`) gives
       detections and a FocusPixel map.
    2. :func:`~mmsniper.chips.focus.focus_chips` turns each map into
       FocusChips (threshold, dilation, minimum chip size of that
       transition); only these chips, cut from the original image and
       resized by the next scale's factor, run at the next scale, and
       their maps give the chips of the scale after (recursively).
       A scale with no chips ends the recursion (coarse detections only).
    3. Detections of chips are dropped when within ``border_margin``
       original pixels of a chip edge that is not an image edge
       (:func:`~mmsniper.chips.merge.border_prune`); each scale keeps
       only its valid range; all scales are merged per class with
       Gaussian soft-NMS (sigma 0.55) and at most ``max_per_img`` kept.

    Per image the factors are made non-decreasing from coarse to fine
    (``f_i = max(f_i, f_{i-1})``), so that an image smaller than the
    coarsest scale is never processed at a lower resolution at a finer
    scale.

    Each data sample gets in its metainfo ``pixels_processed`` (sum of the
    resized chip areas over all scales, padding excluded),
    ``pixels_per_scale``, ``full_pyramid_pixels`` (what the full pyramid
    would process), ``focus_chips`` (the chips processed at each scale,
    ``(K_s, 4)`` original px) and ``scale_factors``; and
    ``pred_focus_map`` (``PixelData``, ``prob`` ``(1, h, w)``): the
    FocusPixel map of the coarsest scale (cells of ``stride / f_0``
    original pixels).

    Args:
        detector (dict | nn.Module): Inner detector with a ``focus_head``.
        module (dict | nn.Module, optional): Alias of ``detector``.
        autofocus_cfg (dict): ``scales`` (coarse to fine, defaults to spec
            5.4's ``(480, 512), (800, 1280), (1400, 2000)``),
            ``valid_ranges`` (one ``(lo, hi)`` per scale, original px,
            ``lo**2 < area <= hi**2``, -1 open, None for no filter;
            defaults to ``(75, -1), (32, 180), (-1, 75)``), ``focus`` (one
            dict per transition with ``dilation``, ``threshold`` and
            ``min_chip_cells``; defaults to spec 5.3's ``(3, 0.02, 16)``,
            ``(3, 0.2, 20)``), ``border_margin`` (original px, defaults to
            10), ``nms`` (defaults to Gaussian soft-NMS sigma 0.55; None:
            no NMS),
            ``max_per_img`` (defaults to 200), ``chips_per_batch``
            (int or one per scale, defaults to 1), ``chip_rpn_cfg``
            (RPN test-config overrides for FocusChips that are not the
            whole image, e.g. ``dict(max_per_img=100)``; defaults to
            none), ``rpn_budget`` and ``det_budget`` (proposals and detections
            per megapixel, see :class:`BaseChipTestDetector`), ``stride`` (defaults to the
            head's).

    Examples:
        >>> autofocus_test_model = dict(
        >>>     type='AutoFocusDetector',
        >>>     autofocus_cfg=dict(
        >>>         scales=[(480, 512), (800, 1280), (1400, 2000)],
        >>>         valid_ranges=[(75, -1), (32, 180), (-1, 75)],
        >>>         focus=[dict(dilation=3, threshold=0.02,
        >>>                     min_chip_cells=16),
        >>>                dict(dilation=3, threshold=0.2,
        >>>                     min_chip_cells=20)],
        >>>         border_margin=10,
        >>>         nms=dict(type='soft_nms', method='gaussian', sigma=0.55,
        >>>                  min_score=1e-3, iou_threshold=0.3),
        >>>         max_per_img=200))
        >>> # tools/test.py CONFIG CKPT --mode autofocus wraps cfg.model
    """

    def __init__(self,
                 detector: Union[ConfigType, nn.Module, None] = None,
                 module: Union[ConfigType, nn.Module, None] = None,
                 autofocus_cfg: Optional[ConfigType] = None,
                 data_preprocessor: Optional[ConfigType] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        cfg = dict(autofocus_cfg or {})
        super().__init__(
            detector=detector,
            module=module,
            chips_per_batch=cfg.get('chips_per_batch', 1),
            chip_rpn_cfg=cfg.get('chip_rpn_cfg', None),
            rpn_budget=cfg.get('rpn_budget', None),
            det_budget=cfg.get('det_budget', None),
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if getattr(self.detector, 'focus_head', None) is None:
            raise ValueError(
                'AutoFocusDetector needs a detector with a FocusPixel head '
                f'(e.g. FocusFasterRCNN), got {type(self.detector).__name__}'
                '; train one with configs/autofocus/*.py')
        if 'scales' in cfg:
            scales = list(cfg['scales'])
            ranges = cfg.get('valid_ranges', None)
            transitions = cfg.get('focus', None)
        else:
            scales = list(AUTOFOCUS_SCALES)
            ranges = cfg.get('valid_ranges', AUTOFOCUS_VALID_RANGES)
            transitions = cfg.get('focus', AUTOFOCUS_TRANSITIONS)
        self.scales = scales
        self.valid_ranges = check_scales_and_ranges(scales, ranges,
                                                    'AutoFocusDetector')
        if transitions is None:
            raise ValueError('AutoFocusDetector: autofocus_cfg.focus must '
                             'give dilation/threshold/min_chip_cells for '
                             'each of the transitions between scales')
        if isinstance(transitions, dict):
            transitions = [transitions] * (len(scales) - 1)
        if len(transitions) != len(scales) - 1:
            raise ValueError(
                f'AutoFocusDetector: {len(transitions)} focus transitions '
                f'for {len(scales)} scales; give {len(scales) - 1}')
        self.transitions = []
        for t in transitions:
            t = dict(t)
            missing = {'dilation', 'threshold', 'min_chip_cells'} - set(t)
            if missing:
                raise ValueError(f'AutoFocusDetector: focus transition {t} '
                                 f'lacks {sorted(missing)}')
            self.transitions.append(t)
        self.border_margin = float(cfg.get('border_margin', 10.))
        nms_cfg = cfg.get('nms', DEFAULT_NMS_CFG)
        self.nms_cfg = None if nms_cfg is None else dict(nms_cfg)
        self.max_per_img = int(cfg.get('max_per_img', 200))
        self.stride = int(cfg.get('stride', self.detector.focus_head.stride))
        self.autofocus_cfg = cfg

    def _factors(self, img_shape) -> List[float]:
        out = []
        for spec in self.scales:
            f = scale_factor(spec, img_shape)
            out.append(max(f, out[-1]) if out else f)
        return out

    def predict(self,
                batch_inputs: List[Tensor],
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        """AutoFocus detections of a batch of original images.

        Args:
            batch_inputs (list[Tensor]): Original images ``(C, H, W)``.
            batch_data_samples (list[DetDataSample]): Their data samples.
            rescale (bool): Return boxes in ``ori_shape`` pixels. Defaults
                to True.

        Returns:
            list[DetDataSample]: With ``pred_instances``,
            ``pred_focus_map`` and the statistics in the metainfo.
        """
        images = [self._to_hwc(x) for x in batch_inputs]
        num_scales = len(self.scales)
        factors = [self._factors(img.shape[:2]) for img in images]
        chips = [
            np.array([[0., 0., img.shape[1], img.shape[0]]])
            for img in images
        ]
        dets = [[] for _ in images]
        pixels = [[0] * num_scales for _ in images]
        chips_per_scale = [[] for _ in images]
        coarse_maps = [None for _ in images]
        for s in range(num_scales):
            with_focus = s < num_scales - 1
            jobs = [
                ChipJob(i, tuple(float(v) for v in chip), factors[i][s])
                for i in range(len(images)) for chip in chips[i]
            ]
            for i in range(len(images)):
                chips_per_scale[i].append(
                    np.asarray(chips[i], np.float32).reshape(-1, 4))
            if not jobs:
                continue
            results = self.run_chips(
                images, jobs, with_focus=with_focus,
                batch_size=self.batch_size(s))
            next_chips = [[] for _ in images]
            for job, res in zip(jobs, results):
                i = job.img_idx
                img_shape = images[i].shape[:2]
                keep = torch.ones_like(res.scores, dtype=torch.bool)
                if self.valid_ranges[s] is not None:
                    keep &= valid_range_filter(res.bboxes,
                                               self.valid_ranges[s])
                if s > 0 and self.border_margin > 0:
                    keep &= border_prune(res.bboxes, job.chip, img_shape,
                                         self.border_margin)
                dets[i].append(
                    (res.bboxes[keep], res.scores[keep], res.labels[keep]))
                pixels[i][s] += res.pixels
                if s == 0:
                    coarse_maps[i] = res.focus_prob
                if with_focus:
                    t = self.transitions[s]
                    x1, y1, x2, y2 = job.chip
                    found = focus_chips(
                        res.focus_prob.detach().float().cpu(),
                        threshold=float(t['threshold']),
                        dilation=int(t['dilation']),
                        min_chip_cells=int(t['min_chip_cells']),
                        stride=self.stride,
                        scale_factor=job.factor,
                        crop_origin=(x1, y1),
                        crop_size=(x2 - x1, y2 - y1))
                    next_chips[i].append(clip_chips(found, img_shape))
            chips = [
                np.concatenate(c) if c else np.zeros((0, 4))
                for c in next_chips
            ]
        out = []
        for i, (img, sample) in enumerate(zip(images, batch_data_samples)):
            h, w = img.shape[:2]
            full = 0
            for f in factors[i]:
                sh, sw = scaled_size((h, w), f)
                full += sh * sw
            bboxes, scores, labels = self.merge(dets[i], self.nms_cfg,
                                                self.max_per_img)
            sample = self._pack(
                sample, img, bboxes, scores, labels, rescale,
                dict(
                    pixels_processed=int(np.sum(pixels[i])),
                    pixels_per_scale=[int(p) for p in pixels[i]],
                    full_pyramid_pixels=int(full),
                    focus_chips=chips_per_scale[i],
                    scale_factors=[float(f) for f in factors[i]]))
            if coarse_maps[i] is not None:
                sample.pred_focus_map = PixelData(
                    prob=coarse_maps[i][None],
                    metainfo=dict(
                        stride=self.stride, scale_factor=factors[i][0]))
            out.append(sample)
        return out
