# Copyright (c) mmsniper contributors. All rights reserved.
"""FocusPixel head of AutoFocus (spec section 5.2); its labels (spec 5.1)
are :func:`~mmsniper.models.seg_heads.focus_pixel_labels.focus_pixel_labels`.

Shape shorthands: ``B`` images (chips) in the batch, ``H, W`` the size of
the feature map the head runs on (``stride`` input pixels per cell), ``N``
boxes of one chip.
"""
import math
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.models.seg_heads.base_semantic_head import BaseSemanticHead
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.utils import ConfigType, OptMultiConfig
from torch import Tensor

from .focus_pixel_labels import (FOCUS_IGNORE, FOCUS_NEG,  # noqa: F401
                                 FOCUS_POS, focus_pixel_labels)


@MODELS.register_module()
class FocusPixelHead(BaseSemanticHead):
    """FocusPixel head: where are objects too small for this scale?

    Runs on one level of the detector's features, by default the stride-16
    level of an FPN (``in_index=2`` of P2-P6). The original head ran on the
    stride-16 concatenation of res4 and res5 of a ResNet without FPN; P4 is
    mmdet's nearest equivalent. Layers (spec 5.2): 3x3 conv + ReLU, 1x1
    conv + ReLU, 1x1 conv to 2 channels, initialised N(0, 0.01) with zero
    bias. Loss: 2-way softmax cross-entropy per cell, cells labelled -1
    skipped, normalised by the number of labelled cells
    (``CrossEntropyLoss(ignore_index=-1, avg_non_ignore=True)``).

    Labels come from the boxes of each chip with
    :func:`focus_pixel_labels`; the thresholds are in chip (network input)
    pixels. The defaults are the original's for 512 px chips.

    Call graph (as mmdet heads): ``loss(x, data_samples)`` ->
    ``forward`` -> ``get_targets`` -> ``loss_by_feat``;
    ``predict(x, img_metas)`` -> ``forward`` -> softmax, channel 1.

    Args:
        in_channels (int): Channels of the input level. Defaults to 256.
        feat_channels (int): Channels of the two hidden convs. Defaults to
            256.
        in_index (int): Level of a multi-level input (tuple) to use.
            Defaults to 2 (P4, stride 16, of an FPN starting at P2; on the
            P3-P7 FPN of one-stage detectors P4 is 1).
        stride (int): Input pixels per cell of that level. Defaults to 16.
        dc_low (float): See :func:`focus_pixel_labels`. Defaults to 5.
        small_thresh (float): See :func:`focus_pixel_labels`. Defaults to
            64.
        dc_high (float): See :func:`focus_pixel_labels`. Defaults to 90.
        round_boxes (bool): See :func:`focus_pixel_labels`. Defaults to
            True.
        use_ignored_instances (bool): Paint every box of the chip, not
            only the valid ones (``gt_instances``), as the original: the
            metainfo's ``chip_focus_bboxes`` when the pipeline packs it
            (:class:`~mmsniper.datasets.transforms.SnipChipCrop`; boxes
            under its ``min_box_side`` included), else ``gt_instances`` and
            ``ignored_instances``. Defaults to True.
        loss_focus (dict): Loss config. Defaults to 2-way softmax CE that
            skips -1 cells.
        init_cfg (dict, optional): Initialisation. Defaults to N(0, 0.01).
    """

    def __init__(self,
                 in_channels: int = 256,
                 feat_channels: int = 256,
                 in_index: int = 2,
                 stride: int = 16,
                 dc_low: float = 5.,
                 small_thresh: float = 64.,
                 dc_high: float = 90.,
                 round_boxes: bool = True,
                 use_ignored_instances: bool = True,
                 loss_focus: ConfigType = dict(
                     type='CrossEntropyLoss',
                     use_sigmoid=False,
                     ignore_index=FOCUS_IGNORE,
                     avg_non_ignore=True,
                     loss_weight=1.0),
                 init_cfg: OptMultiConfig = dict(
                     type='Normal', layer='Conv2d', std=0.01, bias=0)
                 ) -> None:
        super().__init__(
            num_classes=2,
            seg_rescale_factor=1. / stride,
            loss_seg=loss_focus,
            init_cfg=init_cfg)
        if not 0 <= dc_low < small_thresh <= dc_high:
            raise ValueError('FocusPixelHead thresholds must satisfy 0 <= '
                             f'dc_low ({dc_low}) < small_thresh '
                             f'({small_thresh}) <= dc_high ({dc_high})')
        self.in_channels = in_channels
        self.feat_channels = feat_channels
        self.in_index = in_index
        self.stride = int(stride)
        self.dc_low = float(dc_low)
        self.small_thresh = float(small_thresh)
        self.dc_high = float(dc_high)
        self.round_boxes = round_boxes
        self.use_ignored_instances = use_ignored_instances
        self.convs = nn.Sequential(
            nn.Conv2d(in_channels, feat_channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(feat_channels, feat_channels, 1),
            nn.ReLU(inplace=True))
        self.conv_out = nn.Conv2d(feat_channels, 2, 1)

    def _select(self, x: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        if isinstance(x, (tuple, list)):
            return x[self.in_index]
        return x

    def forward(self, x: Union[Tensor, Tuple[Tensor]]) -> Dict[str, Tensor]:
        """Network only.

        Args:
            x (Tensor | tuple[Tensor]): One level ``(B, C, H, W)`` or the
                multi-level features (``in_index`` is used).

        Returns:
            dict: ``seg_preds`` logits ``(B, 2, H, W)`` and ``feats``
            ``(B, feat_channels, H, W)``.
        """
        feats = self.convs(self._select(x))
        return dict(seg_preds=self.conv_out(feats), feats=feats)

    def get_targets(self, batch_bboxes: List[Tensor],
                    featmap_size: Tuple[int, int]) -> Tensor:
        """Labels ``(B, H, W)`` (int64, -1/0/1) of a batch of chips.

        Args:
            batch_bboxes (list[Tensor]): Boxes of each chip in input pixels,
                painted in list order, each (N_i, 4).
            featmap_size (tuple[int, int]): ``(H, W)`` of the map.
        """
        return torch.stack([
            focus_pixel_labels(b, featmap_size, self.stride, self.dc_low,
                               self.small_thresh, self.dc_high,
                               self.round_boxes) for b in batch_bboxes
        ])

    def loss_by_feat(self, seg_preds: Tensor,
                     labels: Tensor) -> Dict[str, Tensor]:
        """Softmax CE over the labelled cells.

        Args:
            seg_preds (Tensor): Logits ``(B, 2, H, W)``.
            labels (Tensor): Labels ``(B, H, W)`` with -1 = don't care.

        Returns:
            dict: ``loss_focus``; 0 (with a gradient) when every cell is
            don't care.
        """
        labels = labels.to(seg_preds.device)
        if not bool((labels != FOCUS_IGNORE).any()):
            return dict(loss_focus=seg_preds.sum() * 0.)
        loss = self.loss_seg(seg_preds, labels)
        return dict(loss_focus=loss)

    def chip_boxes(self, data_sample) -> Tensor:
        """The boxes that paint one chip's labels, (N, 4) in input pixels.

        With ``use_ignored_instances``: the metainfo's
        ``chip_focus_bboxes`` when present (from
        :class:`~mmsniper.datasets.transforms.SnipChipCrop`: every box of
        the chip in annotation order, those too small for the detector
        included, as the original), else ``gt_instances`` then
        ``ignored_instances``. Without it: ``gt_instances`` only.
        """
        gt = data_sample.gt_instances.bboxes
        gt = gt.tensor if hasattr(gt, 'tensor') else gt
        if not self.use_ignored_instances:
            return gt.reshape(-1, 4).float()
        focus = data_sample.metainfo.get('chip_focus_bboxes', None)
        if focus is not None:
            return torch.as_tensor(
                np.asarray(focus, dtype=np.float32),
                device=gt.device).reshape(-1, 4)
        boxes = [gt]
        if 'ignored_instances' in data_sample \
                and 'bboxes' in data_sample.ignored_instances:
            ign = data_sample.ignored_instances.bboxes
            boxes.append(ign.tensor if hasattr(ign, 'tensor') else ign)
        return torch.cat([b.reshape(-1, 4).float() for b in boxes])

    def loss(self, x: Union[Tensor, Tuple[Tensor]],
             batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Loss of a batch of chips.

        Args:
            x (Tensor | tuple[Tensor]): Features.
            batch_data_samples (list[DetDataSample]): With
                ``gt_instances`` (and ``ignored_instances``) in input
                pixels.

        Returns:
            dict: ``loss_focus``.
        """
        seg_preds = self.forward(x)['seg_preds']
        labels = self.get_targets(
            [self.chip_boxes(s) for s in batch_data_samples],
            tuple(seg_preds.shape[-2:]))
        return self.loss_by_feat(seg_preds, labels)

    def predict(self,
                x: Union[Tensor, Tuple[Tensor]],
                batch_img_metas: List[dict],
                rescale: bool = False) -> List[Tensor]:
        """FocusPixel probability maps.

        Unlike :class:`BaseSemanticHead` the maps stay on the cell grid:
        map ``i`` is cropped to the cells of the image content,
        ``ceil(img_shape / stride)``, so a cell ``(r, c)`` covers input
        pixels ``[c * stride, (c + 1) * stride)`` and the same for rows.

        Args:
            x (Tensor | tuple[Tensor]): Features.
            batch_img_metas (list[dict]): With ``img_shape`` (and
                ``ori_shape`` when ``rescale``).
            rescale (bool): Resize each map (bilinear) to ``ori_shape``, for
                display. Defaults to False.

        Returns:
            list[Tensor]: Probabilities (channel 1 of the softmax), each
            ``(h_i, w_i)``.
        """
        probs = self.forward(x)['seg_preds'].softmax(dim=1)[:, 1]
        out = []
        for prob, meta in zip(probs, batch_img_metas):
            h, w = meta.get('img_shape', (prob.shape[0] * self.stride,
                                          prob.shape[1] * self.stride))
            ch = min(int(math.ceil(h / self.stride)), prob.shape[0])
            cw = min(int(math.ceil(w / self.stride)), prob.shape[1])
            prob = prob[:ch, :cw]
            if rescale:
                # the content is the first h x w input pixels of the cells
                full = F.interpolate(
                    prob[None, None],
                    size=(ch * self.stride, cw * self.stride),
                    mode='bilinear',
                    align_corners=False)[0, 0, :h, :w]
                oh, ow = meta.get('ori_shape', (h, w))
                prob = F.interpolate(
                    full[None, None], size=(oh, ow), mode='bilinear',
                    align_corners=False)[0, 0]
            out.append(prob)
        return out
