# Copyright (c) mmsniper contributors. All rights reserved.
"""AutoFocus inference (spec sections 5.3 and 5.4): :class:`AutoFocusDetector`.
"""
from typing import List, Optional, Union

import numpy as np
import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType
from mmengine.model import BaseTTAModel
from mmengine.structures import PixelData
from torch import Tensor

from ...chips.crop_resize import chip_out_size
from ...chips.focus import focus_chips, fuse_chips
from ...chips.merge import border_prune
from ...chips.scales import scale_factor, scaled_size
from ...chips.valid_ranges import check_valid_ranges, valid_range_filter
from ...utils.checks import check_keys
from .autofocus_utils import (SNAP_PX, clip_chips,  # noqa: F401
                              no_focus_head_error, require_focus_weights)
from .base import (COMMON_KEYS, ChipTestMixin, check_backbone_stub,
                   check_not_wrapper)
from .cfg_check import check_scale_order

#: Spec 5.4 / 5.3 defaults (COCO): scales coarse to fine, valid ranges and
#: the (dilation, threshold, min chip cells) of each transition.
AUTOFOCUS_SCALES = ((480, 512), (800, 1280), (1400, 2000))
AUTOFOCUS_VALID_RANGES = ((75, -1), (32, 180), (-1, 75))
AUTOFOCUS_TRANSITIONS = (dict(dilation=3, threshold=0.02, min_chip_cells=16),
                         dict(dilation=3, threshold=0.2, min_chip_cells=20))
#: Keys of ``autofocus_cfg`` and of one focus transition.
AUTOFOCUS_KEYS = ('scales', 'valid_ranges', 'focus', 'border_margin',
                  'stride', 'fuse_chips') + COMMON_KEYS
FOCUS_KEYS = ('dilation', 'threshold', 'min_chip_cells')
@MODELS.register_module()
class AutoFocusDetector(ChipTestMixin, BaseTTAModel):
    """AutoFocus: multi-scale inference on FocusChips only.

    1. The coarsest scale runs on the whole image; the inner detector
       (with a FocusPixel head: :class:`FocusFasterRCNN`,
       :class:`FocusMaskRCNN`, or the one-stage :class:`FocusRetinaNet`,
       :class:`FocusATSS`) gives candidates and a FocusPixel map.
    2. :func:`~mmsniper.chips.focus.focus_chips` (on the map's device)
       turns each map into FocusChips; only these chips, cut from the
       original image on the device and resized by the next scale's factor,
       run at the next scale, and their maps give the chips of the scale
       after. The chips of one image at one scale, found on several maps
       (chips or tiles of the scale before), are fused where they overlap
       (:func:`~mmsniper.chips.focus.fuse_chips`; ``fuse_chips=False``
       keeps them apart as the original does, processing overlaps twice).
       A scale with no chips ends the recursion.
    3. Candidates of chips within ``border_margin`` original px of an inner
       chip edge are dropped (:func:`~mmsniper.chips.merge.border_prune`);
       each scale keeps its valid range; all scales are merged once per
       class with Gaussian soft-NMS (no per-scale NMS, spec 4).

    Per image the factors are made non-decreasing from coarse to fine, so
    that an image smaller than the coarsest scale is never processed at a
    lower resolution at a finer scale. Inputs larger than ``tile.size`` are
    tiled (:mod:`~mmsniper.models.test_time.tiles`).

    Each data sample gets ``pixels_processed``, ``pixels_per_scale``,
    ``full_pyramid_pixels``, ``focus_chips`` (the chips of each scale,
    ``(K_s, 4)`` original px) and ``scale_factors`` in its metainfo, and
    ``pred_focus_map`` (``PixelData``, ``prob`` ``(1, h, w)``): the map of
    the coarsest scale (None when that pass was tiled).

    Args:
        module (dict | nn.Module): Detector with a ``focus_head``.
        autofocus_cfg (dict): ``scales`` (coarse to fine, defaults to spec
            5.4's ``(480, 512), (800, 1280), (1400, 2000)``),
            ``valid_ranges``, ``focus`` (one dict per transition with
            ``dilation``, ``threshold`` and ``min_chip_cells``, spec 5.3),
            ``border_margin`` (original px, 10), ``stride`` (the head's),
            ``fuse_chips`` (bool, True),
            and the keys of :class:`SniperMultiScaleTTA`'s ``tta_cfg``
            (``nms``, ``max_per_img``, ``max_per_mpix``, ``score_floor``,
            ``chips_per_batch``, ``rpn_budget``, ``det_budget``, ``tile``,
            ``with_mask``: a mask head's masks as COCO RLE in
            ``pred_instances.masks``).
            Unknown keys raise.
        backbone (dict, optional): Must be empty (for
            ``mmdet.apis.init_detector``).

    Raises:
        KeyError: An unknown ``autofocus_cfg`` / ``focus[k]`` key.
        ValueError: Scales not coarse to fine, a transition count that is
            not ``len(scales) - 1``, a ``module`` without ``focus_head`` or
            that is itself a test-time wrapper (``--tta`` on a
            ``*_autofocus-test.py`` / ``*_pyramid-test.py`` config).
        RuntimeError: (at ``load_state_dict``) a checkpoint without
            ``focus_head`` weights.

    Examples:
        >>> tta_model = dict(
        >>>     type='AutoFocusDetector',
        >>>     autofocus_cfg=dict(
        >>>         scales=[(480, 512), (800, 1280), (1400, 2000)],
        >>>         valid_ranges=[(75, -1), (32, 180), (-1, 75)],
        >>>         focus=[dict(dilation=3, threshold=0.02,
        >>>                     min_chip_cells=16),
        >>>                dict(dilation=3, threshold=0.2,
        >>>                     min_chip_cells=20)],
        >>>         border_margin=10))
    """

    def __init__(self,
                 module: Union[ConfigType, nn.Module],
                 autofocus_cfg: Optional[ConfigType] = None,
                 backbone: Optional[dict] = None) -> None:
        where = 'AutoFocusDetector autofocus_cfg'
        cfg = dict(autofocus_cfg or {})
        check_keys(where, cfg, AUTOFOCUS_KEYS)
        check_backbone_stub(backbone, 'AutoFocusDetector')
        check_not_wrapper(module, 'AutoFocusDetector')
        super().__init__(module=module)
        self._init_runner(cfg, where)
        head = getattr(self.module, 'focus_head', None)
        if head is None:
            raise no_focus_head_error(self.module)
        head._register_load_state_dict_pre_hook(require_focus_weights,
                                                with_module=True)
        if 'scales' in cfg:
            scales = list(cfg['scales'])
            ranges = cfg.get('valid_ranges', None)
            transitions = cfg.get('focus', None)
        else:
            scales = list(AUTOFOCUS_SCALES)
            ranges = cfg.get('valid_ranges', AUTOFOCUS_VALID_RANGES)
            transitions = cfg.get('focus', AUTOFOCUS_TRANSITIONS)
        check_scale_order(scales, coarse_to_fine=True, where=where)
        self.scales = scales
        self.valid_ranges = check_valid_ranges(ranges, len(scales), where)
        if transitions is None:
            raise ValueError(f'{where}.focus must give dilation/threshold/'
                             'min_chip_cells for each transition between '
                             'scales')
        if isinstance(transitions, dict):
            transitions = [transitions] * (len(scales) - 1)
        if len(transitions) != len(scales) - 1:
            raise ValueError(
                f'{where}.focus: {len(transitions)} transitions for '
                f'{len(scales)} scales; give {len(scales) - 1}')
        self.transitions = []
        for k, t in enumerate(transitions):
            t = dict(t)
            check_keys(f'{where}.focus[{k}]', t, FOCUS_KEYS)
            missing = [key for key in FOCUS_KEYS if key not in t]
            if missing:
                raise ValueError(f'{where}.focus[{k}] = {t} lacks {missing}')
            self.transitions.append(t)
        self.border_margin = float(cfg.get('border_margin', 10.))
        self.fuse = bool(cfg.get('fuse_chips', True))
        self.stride = int(cfg.get('stride', head.stride))

    def _factors(self, img_shape) -> List[float]:
        out = []
        for spec in self.scales:
            f = scale_factor(spec, img_shape)
            out.append(max(f, out[-1]) if out else f)
        return out

    def merge_preds(self, data_samples_list):
        raise NotImplementedError('AutoFocusDetector merges in test_step')

    def test_step(self, data: dict) -> SampleList:
        """AutoFocus detections of a dataloader batch of original images."""
        images, samples, augs = self._unpack(data)
        if augs is not None:
            raise ValueError(
                'AutoFocusDetector needs the original image (its chips '
                'depend on its own predictions), not a TestTimeAug input: '
                'use the tta_pipeline of configs/_base_/tta/autofocus.py')
        return self.predict_images(images, samples)

    @torch.no_grad()
    def predict_images(self,
                       images: List[Tensor],
                       samples: SampleList,
                       rescale: bool = True) -> SampleList:
        """AutoFocus detections of original images ``(C, H, W)`` on the
        device; see the class docstring for what the samples get."""
        n = len(images)
        num_scales = len(self.scales)
        shapes = [tuple(img.shape[1:]) for img in images]
        factors = [self._factors(s) for s in shapes]
        chips = [np.array([[0., 0., w, h]]) for h, w in shapes]
        dets = [[] for _ in range(n)]
        pixels = [[0] * num_scales for _ in range(n)]
        chips_per_scale = [[] for _ in range(n)]
        coarse_maps = [None] * n
        for s in range(num_scales):
            with_focus = s < num_scales - 1
            jobs = []
            for i in range(n):
                chips_per_scale[i].append(
                    np.asarray(chips[i], np.float32).reshape(-1, 4))
                f = factors[i][s]
                for chip in chips[i]:
                    chip = tuple(float(v) for v in chip)
                    jobs += self.windows(
                        i, i, f, chip, chip_out_size(chip, f, shapes[i]),
                        (1., 1.), self.border_margin if s > 0 else 0., s)
            if not jobs:
                continue
            results = self.run_jobs(images, jobs, self.batch_size(s),
                                    with_focus=with_focus)
            next_chips = [[] for _ in range(n)]
            for job, res in zip(jobs, results):
                i = job.img
                keep = torch.ones_like(res.scores, dtype=torch.bool)
                if self.valid_ranges[s] is not None:
                    keep &= valid_range_filter(res.bboxes,
                                               self.valid_ranges[s])
                if job.prune > 0:
                    keep &= border_prune(res.bboxes, job.chip, shapes[i],
                                         job.prune)
                dets[i].append(res.select(keep))
                pixels[i][s] += res.pixels
                if s == 0:
                    single = sum(j.img == i for j in jobs) == 1
                    coarse_maps[i] = res.focus_prob if single else None
                if with_focus:
                    t = self.transitions[s]
                    x1, y1, x2, y2 = job.chip
                    found = focus_chips(
                        res.focus_prob.detach().float(),
                        threshold=float(t['threshold']),
                        dilation=int(t['dilation']),
                        min_chip_cells=int(t['min_chip_cells']),
                        stride=self.stride,
                        scale_factor=job.f,
                        crop_origin=(x1, y1),
                        crop_size=(x2 - x1, y2 - y1))
                    next_chips[i].append(clip_chips(found, shapes[i]))
            chips = [
                np.concatenate(c) if c else np.zeros((0, 4))
                for c in next_chips
            ]
            if self.fuse:
                chips = [fuse_chips(c) for c in chips]
        out = []
        for i in range(n):
            h, w = shapes[i]
            full = 0
            for f in factors[i]:
                sh, sw = scaled_size((h, w), f)
                full += sh * sw
            bboxes, scores, labels, maps = self.merge_image(
                dets[i], shapes[i], images[i].device)
            sample = self.pack(
                samples[i], shapes[i], bboxes, scores, labels, rescale,
                dict(
                    pixels_processed=int(np.sum(pixels[i])),
                    pixels_per_scale=[int(p) for p in pixels[i]],
                    full_pyramid_pixels=int(full),
                    focus_chips=chips_per_scale[i],
                    scale_factors=[float(f) for f in factors[i]]),
                maps, self.mask_thr, self.with_mask)
            if coarse_maps[i] is not None:
                sample.pred_focus_map = PixelData(
                    prob=coarse_maps[i][None],
                    metainfo=dict(
                        stride=self.stride, scale_factor=factors[i][0]))
            out.append(sample)
        return out
