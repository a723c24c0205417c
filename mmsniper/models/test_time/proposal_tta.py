# Copyright (c) mmsniper contributors. All rights reserved.
"""Proposals of an RPN over whole images at the training scales (SNIPER's
negative chip mining, spec 2 step b): :class:`SniperProposalTTA`.

``tools/extract_proposals.py`` runs it with mmengine's ``Runner.test`` and
:class:`~mmsniper.evaluation.DumpSniperProposals` writes the proposal file.
"""
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample, SampleList
from mmengine.model import BaseTTAModel
from mmengine.structures import InstanceData
from torch import Tensor

from ...chips.crop_resize import crop_resize_np
from ...chips.scales import (DEFAULT_SCALES, ScaleSpec, parse_scale,
                             scale_factor, scaled_size)
from ...utils.checks import as_int


@MODELS.register_module()
class SniperProposalTTA(BaseTTAModel):
    """An RPN run on whole images at every training scale, its top proposals
    per scale merged by one NMS (the original's load-time ``nmsp``).

    For each image and scale spec (see :mod:`mmsniper.chips.scales`), the
    original image is resized by the scale's factor ``f`` with
    :func:`~mmsniper.chips.crop_resize.crop_resize_np` (the rule of the
    training chips and of the test-time wrappers, input px = original px *
    ``f``) to ``scaled_size``; the RPN (``module``, its ``test_cfg`` doing
    the per-scale NMS) predicts with ``scale_factor = (f, f)``, so its boxes
    come back in original pixels. The ``num_per_scale`` best of each scale
    (by score) are concatenated in the order of the scales and, unless
    ``nms_iou`` is None, merged by an NMS at ``nms_iou``.

    Input: a test dataloader batch of original images (``LoadImageFromFile
    -> PackDetInputs``: uint8 ``(3, H, W)`` BGR tensors, samples with
    ``img_id`` / ``img_path`` / ``ori_shape``); the image is resized on the
    host, the RPN's own data preprocessor moves the input to its device.

    Args:
        module (dict | nn.Module): The RPN (or any detector whose
            ``test_step`` returns ``pred_instances`` with ``bboxes`` and
            ``scores``).
        scales (Sequence): Scale specs, in the order the proposals are
            concatenated. Defaults to the COCO training scales
            ``(3.0, 1.667, 512)``.
        num_per_scale (int): Proposals kept per image and scale (top-N by
            score). Defaults to 300.
        nms_iou (float, optional): IoU of the NMS over the union of the
            scales; None keeps the concatenation. Defaults to 0.7.
        data_preprocessor (dict, optional): As mmengine's
            ``BaseTTAModel``. Defaults to None.

    Raises:
        ValueError: No scales, a malformed scale spec, ``num_per_scale``
            below 1 or ``nms_iou`` outside ``(0, 1]``.

    Examples:
        >>> model = dict(type='SniperProposalTTA', module=rpn_cfg,
        >>>              scales=(3.0, 1.667, 512), num_per_scale=300)
        >>> # test_step(batch)[i].pred_instances: bboxes [P, 4], scores [P]
    """

    def __init__(self,
                 module: Union[dict, nn.Module],
                 scales: Sequence[ScaleSpec] = DEFAULT_SCALES,
                 num_per_scale: int = 300,
                 nms_iou: Optional[float] = 0.7,
                 data_preprocessor: Optional[dict] = None) -> None:
        super().__init__(module=module, data_preprocessor=data_preprocessor)
        name = type(self).__name__
        scales = list(scales or [])
        if not scales:
            raise ValueError(f'{name}: scales is empty; give at least one '
                             'scale spec (e.g. (3.0, 1.667, 512))')
        for spec in scales:
            parse_scale(spec)  # raises naming the spec
        if nms_iou is not None and not 0 < float(nms_iou) <= 1:
            raise ValueError(f'{name}: nms_iou must be in (0, 1] or None, '
                             f'got {nms_iou!r}')
        self.scales = scales
        self.num_per_scale = as_int(f'{name}: num_per_scale', num_per_scale,
                                    1)
        self.nms_iou = None if nms_iou is None else float(nms_iou)

    @torch.no_grad()
    def test_step(self, data: dict) -> SampleList:
        """Merged proposals of a dataloader batch.

        Args:
            data (dict): ``inputs`` (list of uint8 ``(3, H, W)`` original
                images) and ``data_samples`` (their ``DetDataSample``).

        Returns:
            list[DetDataSample]: One per image, with the ``img_id``,
            ``img_path`` and ``ori_shape`` of its input and
            ``pred_instances`` with ``bboxes`` float32 ``[P, 4]``
            (original px), ``scores`` ``[P]`` and ``labels`` (zeros), on the
            CPU.

        Raises:
            TypeError: ``data`` is not such a dict.
        """
        if not isinstance(data, dict) or 'inputs' not in data \
                or 'data_samples' not in data:
            raise TypeError(f'{type(self).__name__}.test_step expects a dict '
                            "with 'inputs' and 'data_samples' (a test "
                            'dataloader batch of original images)')
        per_image = []
        for img, sample in zip(data['inputs'], data['data_samples']):
            per_image.append(
                [self._predict_scale(img, sample, s) for s in self.scales])
        return self.merge_preds(per_image)

    def _predict_scale(self, img: Tensor, sample: DetDataSample,
                       spec: ScaleSpec) -> DetDataSample:
        """The RPN's prediction of ``img`` ``(3, H, W)`` resized by the
        factor of ``spec`` (boxes in original px)."""
        h, w = img.shape[-2:]
        f = scale_factor(spec, (h, w))
        sh, sw = scaled_size((h, w), f)
        hwc = np.ascontiguousarray(img.cpu().numpy().transpose(1, 2, 0))
        resized = crop_resize_np(hwc, f, (0., 0.), (sh, sw))
        inputs = torch.from_numpy(
            np.ascontiguousarray(resized.transpose(2, 0, 1)))
        meta = dict(
            img_id=sample.metainfo.get('img_id', None),
            ori_shape=(h, w),
            img_shape=(sh, sw),
            scale_factor=(f, f))
        if 'img_path' in sample.metainfo:
            meta['img_path'] = sample.img_path
        scaled = DetDataSample(metainfo=meta)
        return self.module.test_step(
            dict(inputs=[inputs], data_samples=[scaled]))[0]

    def merge_preds(self,
                    data_samples_list: List[SampleList]) -> SampleList:
        """Per image: the ``num_per_scale`` best proposals of each scale,
        concatenated in scale order, then the NMS at ``nms_iou``.

        Args:
            data_samples_list (list[list[DetDataSample]]): Per image, its
                prediction at each scale (``bboxes`` in original px).

        Returns:
            list[DetDataSample]: One per image (see :meth:`test_step`).
        """
        out = []
        for per_scale in data_samples_list:
            parts = []
            for pred in per_scale:
                boxes = pred.pred_instances.bboxes.float().cpu()
                scores = pred.pred_instances.scores.float().cpu()
                order = scores.argsort(descending=True)[:self.num_per_scale]
                parts.append(
                    torch.cat([boxes[order], scores[order, None]], dim=1))
            props = torch.cat(parts) if parts else torch.zeros(0, 5)
            if self.nms_iou is not None and len(props):
                from mmcv.ops import nms
                _, keep = nms(props[:, :4].contiguous(),
                              props[:, 4].contiguous(), self.nms_iou)
                props = props[keep]
            first = per_scale[0].metainfo
            merged = DetDataSample(
                metainfo=dict(
                    img_id=first.get('img_id', None),
                    ori_shape=first['ori_shape']))
            if 'img_path' in first:
                merged.set_metainfo(dict(img_path=first['img_path']))
            merged.pred_instances = InstanceData(
                bboxes=props[:, :4].contiguous(),
                scores=props[:, 4].contiguous(),
                labels=torch.zeros(len(props), dtype=torch.long))
            out.append(merged)
        return out
