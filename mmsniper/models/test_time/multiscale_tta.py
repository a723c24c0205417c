# Copyright (c) mmsniper contributors. All rights reserved.
"""SNIPER multi-scale inference (spec section 4): :class:`SniperMultiScaleTTA`.
"""
import math
from typing import List, Optional, Union

import torch
import torch.nn as nn
from mmdet.models.test_time_augs import DetTTAModel
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType
from torch import Tensor

from ...chips.merge import border_prune
from ...chips.scales import scale_factor, scaled_size
from ...chips.valid_ranges import check_valid_ranges, valid_range_filter
from ...utils.checks import check_keys
from .base import (COMMON_KEYS, ChipTestMixin, check_backbone_stub,
                   check_not_wrapper)
from .cfg_check import check_scale_order

#: Spec 4: test scales (short side, max long side), finest first, and their
#: valid ranges (sqrt(area) in original px; lo exclusive, hi inclusive).
SNIPER_TEST_SCALES = ((1400, 2000), (800, 1280), (480, 512))
SNIPER_TEST_VALID_RANGES = ((-1, 90), (32, 180), (75, -1))
#: Keys of ``tta_cfg``.
TTA_KEYS = ('scales', 'valid_ranges') + COMMON_KEYS


@MODELS.register_module()
class SniperMultiScaleTTA(ChipTestMixin, DetTTAModel):
    """SNIPER's multi-scale inference around an mmdet detector.

    For every test scale (finest first; factors, long-side targets or
    ``(short, max_long)`` pairs, see :mod:`mmsniper.chips.scales`), the
    detector runs on the whole image resized by that scale's factor (as
    tiles when a side exceeds ``tile.size``); all candidates with a class
    score above ``score_floor`` are kept (no per-scale NMS, spec 4), those
    outside the scale's valid range dropped (``lo**2 < area <= hi**2`` in
    original px); all scales are merged once per class with Gaussian
    soft-NMS (sigma 0.55) and the best ``max(max_per_img, max_per_mpix *
    Mpix)`` kept.

    Input: the original image (``configs/_base_/tta/sniper_pyramid.py``:
    ``LoadImageFromFile -> LoadAnnotations -> PackDetInputs``), moved to the
    model's device once and resized there per scale. A ``TestTimeAug``
    pipeline with one ``Resize`` per scale (mmdet's ``--tta`` idiom) works
    as well: augmentation ``i`` is scale ``i`` (its ``scale_factor`` must
    match), at the cost of one host-resized copy per scale.

    With a mask head (Mask R-CNN), ``pred_instances.masks`` holds the
    survivors' masks as COCO RLE dicts (the box merge decides who
    survives; each survivor's 28x28 map is pasted into its box only).

    Each data sample gets ``pixels_processed``, ``pixels_per_scale``,
    ``full_pyramid_pixels`` and ``scale_factors`` in its metainfo.

    Args:
        module (dict | nn.Module): The trained detector (``model`` of its
            config).
        tta_cfg (dict): ``scales`` (defaults to spec 4's ``(1400, 2000),
            (800, 1280), (480, 512)``), ``valid_ranges`` (one ``(lo, hi)``
            per scale, -1 open, None for no filter; spec 4's ``(-1, 90),
            (32, 180), (75, -1)`` with the default scales, else None),
            ``nms`` (``batched_nms`` config, defaults to Gaussian soft-NMS
            sigma 0.55 floor 1e-3; None: no NMS), ``max_per_img`` (200),
            ``max_per_mpix`` (None), ``score_floor`` (1e-3),
            ``chips_per_batch`` (int or one per scale, 1), ``rpn_budget`` /
            ``det_budget`` (``dict(per_mpix, min, max)``, see
            :mod:`~mmsniper.models.test_time.budgets`), ``tile``
            (``dict(size=2048, overlap=256, border_margin=8)`` input px;
            None disables). Unknown keys raise.
        backbone (dict, optional): Must be empty; only there because
            ``mmdet.apis.init_detector`` reads ``model.backbone``.

    Raises:
        KeyError: An unknown ``tta_cfg`` key (with the closest valid one).
        ValueError: Scales out of order, a valid-range count that differs
            from the scales', a non-empty ``backbone``, or a ``module``
            that is itself a test-time wrapper (``--tta`` on a
            ``*_pyramid-test.py`` / ``*_autofocus-test.py`` config).

    Examples:
        >>> tta_model = dict(
        >>>     type='SniperMultiScaleTTA',
        >>>     tta_cfg=dict(
        >>>         scales=[(1400, 2000), (800, 1280), (480, 512)],
        >>>         valid_ranges=[(-1, 90), (32, 180), (75, -1)],
        >>>         max_per_img=200))
        >>> # tools/test.py CONFIG CKPT --tta, or a *_pyramid-test.py config
    """

    def __init__(self,
                 module: Union[ConfigType, nn.Module],
                 tta_cfg: Optional[ConfigType] = None,
                 backbone: Optional[dict] = None) -> None:
        where = f'{type(self).__name__} tta_cfg'
        cfg = dict(tta_cfg or {})
        check_keys(where, cfg, TTA_KEYS)
        check_backbone_stub(backbone, type(self).__name__)
        check_not_wrapper(module, type(self).__name__)
        super().__init__(module=module, tta_cfg=cfg)
        self._init_runner(cfg, where)
        if 'scales' in cfg:
            scales = list(cfg['scales'])
            ranges = cfg.get('valid_ranges', None)
        else:
            scales = list(SNIPER_TEST_SCALES)
            ranges = cfg.get('valid_ranges', SNIPER_TEST_VALID_RANGES)
        check_scale_order(scales, coarse_to_fine=False, where=where)
        self.scales = scales
        self.valid_ranges = check_valid_ranges(ranges, len(scales), where)

    def merge_preds(self, data_samples_list):
        raise NotImplementedError(
            'SniperMultiScaleTTA merges in test_step (valid ranges, '
            'soft-NMS); it does not merge finished predictions')

    def test_step(self, data: dict) -> SampleList:
        """Multi-scale detections of a dataloader batch (plain or
        ``TestTimeAug`` format)."""
        images, samples, augs = self._unpack(data)
        return self.predict_images(images, samples, augs)

    @torch.no_grad()
    def predict_images(self,
                       images: List[Tensor],
                       samples: SampleList,
                       augs: Optional[list] = None,
                       rescale: bool = True) -> SampleList:
        """Detections of original images ``(C, H, W)`` on the device.

        Args:
            images (list[Tensor]): The images.
            samples (list[DetDataSample]): Their samples.
            augs (list, optional): ``TestTimeAug`` input, one
                ``(images, samples)`` per scale. Defaults to None.
            rescale (bool): Boxes in ``ori_shape`` px. Defaults to True.

        Returns:
            list[DetDataSample]: With ``pred_instances`` and the stats.
        """
        n = len(images)
        sources = list(images)
        if augs is not None:
            self._check_augs(augs, samples)
            sources = [img for aug in augs for img in aug[0]]
        dets = [[] for _ in range(n)]
        pixels = [[0] * len(self.scales) for _ in range(n)]
        full = [0] * n
        factors = [[] for _ in range(n)]
        shapes = []
        for i in range(n):
            if augs is None:
                shapes.append(tuple(images[i].shape[1:]))
            else:
                shapes.append(tuple(samples[i].ori_shape))
        for s, spec in enumerate(self.scales):
            jobs = []
            for i in range(n):
                h, w = shapes[i]
                if augs is None:
                    f = scale_factor(spec, (h, w))
                    sh, sw = scaled_size((h, w), f)
                    jobs += self.windows(i, i, f, (0., 0., float(w),
                                                   float(h)), (sh, sw),
                                         (1., 1.), 0., s)
                else:
                    src = s * n + i
                    sh, sw = sources[src].shape[1:]
                    f = math.sqrt(sh * sw / (h * w))
                    jobs += self.windows(i, src, 1., (0., 0., float(sw),
                                                      float(sh)), (sh, sw),
                                         (w / sw, h / sh), 0., s)
                full[i] += sh * sw
                factors[i].append(float(f))
            for job, res in zip(jobs, self.run_jobs(sources, jobs,
                                                    self.batch_size(s))):
                keep = None
                if self.valid_ranges[s] is not None:
                    keep = valid_range_filter(res.bboxes,
                                              self.valid_ranges[s])
                if job.prune > 0:
                    chip = job.chip
                    if augs is not None:
                        chip = tuple(c * b for c, b in zip(chip,
                                                           job.back * 2))
                    pr = border_prune(res.bboxes, chip, shapes[job.img],
                                      job.prune * job.back[0])
                    keep = pr if keep is None else keep & pr
                dets[job.img].append(res.select(keep))
                pixels[job.img][s] += res.pixels
        out = []
        for i in range(n):
            bboxes, scores, labels, maps = self.merge_image(
                dets[i], shapes[i], images[i].device)
            out.append(
                self.pack(
                    samples[i], shapes[i],
                    bboxes, scores, labels, rescale and augs is None,
                    dict(
                        pixels_processed=int(sum(pixels[i])),
                        pixels_per_scale=[int(p) for p in pixels[i]],
                        full_pyramid_pixels=int(full[i]),
                        scale_factors=factors[i]),
                    maps, self.mask_thr, self.with_mask))
        return out

    def _check_augs(self, augs: list, samples: SampleList) -> None:
        """A ``TestTimeAug`` input must have one augmentation per scale,
        in the scales' order, with matching factors."""
        if len(augs) != len(self.scales):
            raise ValueError(
                f'tta_pipeline gives {len(augs)} augmentations per image but '
                f'tta_model.tta_cfg.scales has {len(self.scales)} scales: '
                'give one Resize per scale, in the same order (finest '
                'first), or use the plain pipeline of '
                'configs/_base_/tta/sniper_pyramid.py')
        for s, (spec, (imgs, aug_samples)) in enumerate(
                zip(self.scales, augs)):
            for img, sample in zip(imgs, aug_samples):
                oh, ow = sample.ori_shape
                want = scale_factor(spec, (oh, ow))
                got = img.shape[2] / ow
                if abs(got - want) > 0.02 * want + 1.5 / ow:
                    raise ValueError(
                        f'tta_pipeline augmentation {s} resizes image '
                        f"{sample.get('img_path', '')} ({ow}x{oh}) by "
                        f'{got:.4g}, but tta_model.tta_cfg.scales[{s}] = '
                        f'{spec!r} gives {want:.4g}: the pipeline scales '
                        'and the wrapper scales (whose valid ranges apply) '
                        'must agree')
