# Copyright (c) mmsniper contributors. All rights reserved.
"""What the multi-scale test-time wrappers share: :class:`ChipTestMixin`.

A wrapper runs its inner detector (``self.module``, mmengine's TTA idiom) on
*jobs* (:mod:`~mmsniper.models.test_time.chip_runner`: windows of an image
resized by a factor, cut and resized on the model's device, candidates
mapped back to original-image pixels). Data stays on the model's device:
the wrapper's own preprocessor moves each original image (uint8
``(C, H, W)``) to the device once (:meth:`ChipTestMixin._unpack`). This
module parses the settings every wrapper shares, merges the candidates of
an image once (:meth:`ChipTestMixin.merge`) and packs them
(:meth:`ChipTestMixin.pack`); it also holds the config checks of the
wrappers' own arguments.

Budgets are :class:`~mmsniper.models.test_time.budgets.Budget` (per
megapixel).

Shape shorthands: ``N`` detections, ``K`` chips.
"""
from typing import Dict, List, Optional, Tuple

import torch
from mmdet.structures import DetDataSample, SampleList
from mmdet.structures.bbox import BaseBoxes
from mmengine.structures import InstanceData
from torch import Tensor

from ...chips.merge import merge_detections
from ...fileio.mapped_image import release_pages
from .budgets import Budget, final_cap
from .chip_runner import (ChipDets, ChipRunnerMixin, Job,  # noqa: F401
                          as_tensor_boxes)
from .instance_masks import (gather_survivors, mask_threshold, paste_rle,
                             wants_masks)
from .cfg_check import (WRAPPER_TYPES, check_backbone_stub,  # noqa: F401
                        check_not_wrapper, np_chips)
from .raw_predict import supports_raw
from .rle_masks import RLEMasks
from .tiles import build_tile_cfg

#: Keys every wrapper setting dict accepts (``from_block`` is the marker of
#: values copied from the config's ``sniper`` block, see
#: :func:`~mmsniper.engine.resolve_sniper_block`).
COMMON_KEYS = ('nms', 'max_per_img', 'max_per_mpix', 'chips_per_batch',
               'rpn_budget', 'det_budget', 'score_floor', 'tile',
               'with_mask', 'from_block')


class ChipTestMixin(ChipRunnerMixin):
    """Settings, job runner (:class:`~mmsniper.models.test_time.chip_runner.
    ChipRunnerMixin`), merge and packing of the test-time wrappers.

    The subclass calls :meth:`_init_runner` with its settings dict after
    ``BaseTTAModel.__init__`` built ``self.module``.
    """

    def _init_runner(self, cfg: dict, where: str) -> None:
        self.nms_cfg = cfg.get('nms', 'default')
        sizes = cfg.get('chips_per_batch', 1)
        sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
        if not sizes or any(int(b) < 1 for b in sizes):
            raise ValueError(f'{where}.chips_per_batch must be >= 1 (or one '
                             f'value per scale), got {sizes}')
        self.chips_per_batch = [int(b) for b in sizes]
        self.rpn_budget = Budget.build(cfg.get('rpn_budget'),
                                       f'{where}.rpn_budget')
        self.det_budget = Budget.build(cfg.get('det_budget'),
                                       f'{where}.det_budget')
        self.max_per_img = int(cfg.get('max_per_img', 200))
        self.max_per_mpix = cfg.get('max_per_mpix', None)
        self.score_floor = float(cfg.get('score_floor', 1e-3))
        self.tile = build_tile_cfg(cfg.get('tile', {}), f'{where}.tile')
        self._init_masks(cfg.get('with_mask', None), where)

    def _init_masks(self, with_mask: Optional[bool], where: str) -> None:
        """``with_mask``: None (default) merges masks when the inner
        detector has a mask head it can run raw; True requires one."""
        module = getattr(self, 'module', None)
        able = wants_masks(module) and supports_raw(module)
        if with_mask and not able:
            raise ValueError(
                f'{where}.with_mask=True but the inner detector '
                f'{type(module).__name__} has no mask head the '
                'wrappers can run (a StandardRoIHead with mask_head, e.g. '
                'MaskRCNN / FocusMaskRCNN)')
        self.with_mask = able if with_mask is None else bool(with_mask)
        self.mask_thr = mask_threshold(module) if self.with_mask \
            else 0.5

    def batch_size(self, scale_idx: int) -> int:
        """Chips per detector call at scale ``scale_idx``."""
        return self.chips_per_batch[min(scale_idx,
                                        len(self.chips_per_batch) - 1)]

    # ------------------------------------------------------------------
    # input formats
    def _unpack(self, data: dict) -> Tuple[List[Tensor], SampleList,
                                           Optional[list]]:
        """Original images, samples and (``TestTimeAug`` input) the list of
        augmentations ``[(images, samples), ...]``, all on the device."""
        if not isinstance(data, dict) or 'inputs' not in data:
            raise TypeError(f'{type(self).__name__}.test_step expects a dict '
                            "with 'inputs' and 'data_samples' (the "
                            f'dataloader batch), got {type(data).__name__}')
        inputs = data['inputs']
        if len(inputs) and isinstance(inputs[0], (list, tuple)):
            augs = []
            for aug_inputs, aug_samples in zip(data['inputs'],
                                               data['data_samples']):
                d = self.data_preprocessor(
                    dict(inputs=list(aug_inputs),
                         data_samples=list(aug_samples)), False)
                augs.append((list(d['inputs']), list(d['data_samples'])))
            return augs[0][0], augs[0][1], augs
        if isinstance(inputs, Tensor) and inputs.dim() == 4:
            inputs = list(inputs)
        d = self.data_preprocessor(
            dict(inputs=list(inputs), data_samples=data['data_samples']),
            False)
        images = []
        for src, img in zip(inputs, d['inputs']):
            if img.device != src.device:  # a mapped image: pages read
                release_pages(src, src.numel() * src.element_size())
            if img.dim() == 2:
                img = img[None]
            if img.dim() != 3 or img.shape[1] < 1 or img.shape[2] < 1:
                raise ValueError(f'{type(self).__name__}: expected images '
                                 f'(C, H, W), got shape {tuple(img.shape)}')
            images.append(img)
        return images, list(d['data_samples']), None

    def val_step(self, data) -> list:
        return self.test_step(data)

    # ------------------------------------------------------------------
    def merge(self,
              dets: List[Tuple[Tensor, Tensor, Tensor]],
              img_pixels: float,
              device: Optional[torch.device] = None,
              return_index: bool = False) -> Tuple[Tensor, ...]:
        """All candidates of one image merged once.

        Args:
            dets (list[tuple]): ``(bboxes (N_i, 4), scores (N_i, ), labels
                (N_i, ))`` per job, original px (further entries ignored).
            img_pixels (float): Area of the original image (for the cap).
            device (torch.device, optional): Of the empty result when there
                is no candidate. Defaults to None (the CPU).
            return_index (bool): Also return the survivors' indices into
                the concatenated candidates. Defaults to False.

        Returns:
            tuple[Tensor, ...]: Per-class soft-NMS (``nms``; None keeps the
            best only) of all candidates, capped by
            :func:`~mmsniper.models.test_time.budgets.final_cap`, sorted by
            decreasing score (and the ``(K, )`` indices).
        """
        cap = final_cap(self.max_per_img, self.max_per_mpix, img_pixels)
        if self.nms_cfg is not None:
            nms = None if self.nms_cfg == 'default' else dict(self.nms_cfg)
            if dets:
                return merge_detections([d[:3] for d in dets], nms, cap,
                                        return_index)
        if not dets:
            out = (torch.zeros((0, 4), device=device),
                   torch.zeros((0, ), device=device),
                   torch.zeros((0, ), dtype=torch.long, device=device))
            return out + (out[2], ) if return_index else out
        bboxes = torch.cat([d[0].reshape(-1, 4) for d in dets]).float()
        scores = torch.cat([d[1].reshape(-1) for d in dets]).float()
        labels = torch.cat([d[2].reshape(-1) for d in dets]).long()
        scores, order = scores.sort(descending=True, stable=True)
        if cap > 0:
            scores, order = scores[:cap], order[:cap]
        out = (bboxes[order], scores, labels[order])
        return out + (order, ) if return_index else out

    def merge_image(self, dets: List[tuple], img_shape: Tuple[int, int],
                    device: Optional[torch.device] = None) -> tuple:
        """:meth:`merge` of one image's candidates, and the mask maps of
        its survivors.

        Args:
            dets (list[tuple]): :meth:`ChipDets.select` of each job:
                ``(bboxes, scores, labels)``, plus ``(N_i, M, M)`` mask
                maps with ``self.with_mask``.
            img_shape (tuple[int, int]): ``(H, W)`` of the image.
            device (torch.device, optional): Of an empty result.

        Returns:
            tuple: ``bboxes (K, 4)``, ``scores (K, )``, ``labels (K, )``
            and the survivors' ``(K, M, M)`` maps (None without masks).
        """
        h, w = img_shape
        if not self.with_mask:
            return self.merge(dets, h * w, device) + (None, )
        bboxes, scores, labels, index = self.merge(dets, h * w, device,
                                                   return_index=True)
        maps = None
        if len(index):
            maps = gather_survivors([d[3] for d in dets], index)
        return bboxes, scores, labels, maps

    @staticmethod
    def pack(sample: DetDataSample,
             img_shape: Tuple[int, int],
             bboxes: Tensor,
             scores: Tensor,
             labels: Tensor,
             rescale: bool,
             extra_meta: Dict,
             masks: Optional[Tensor] = None,
             mask_thr: float = 0.5,
             with_mask: bool = False) -> DetDataSample:
        """Store the merged detections (and stats) in ``sample``; boxes go
        to ``ori_shape`` pixels when the pipeline resized (``rescale``).
        With ``with_mask``, ``masks`` (the survivors' ``(K, M, M)`` maps,
        None when there are none) are pasted into the image the boxes end
        in and stored as ``pred_instances.masks``, ``K`` COCO RLE masks
        (:class:`~mmsniper.models.test_time.rle_masks.RLEMasks`, see
        :mod:`~mmsniper.models.test_time.instance_masks`)."""
        h, w = img_shape
        oh, ow = sample.metainfo.get('ori_shape', (h, w))
        if rescale and (oh != h or ow != w):
            bboxes = bboxes * bboxes.new_tensor([ow / w, oh / h] * 2)
        else:
            oh, ow = h, w
        inst = InstanceData()
        inst.bboxes = bboxes
        inst.scores = scores
        inst.labels = labels
        if with_mask:
            inst.masks = RLEMasks([], (oh, ow)) if masks is None \
                else paste_rle(masks, bboxes, (oh, ow), mask_thr)
        sample.pred_instances = inst
        sample.set_metainfo(extra_meta)
        # box structures to tensors, as DetDataPreprocessor's boxtype2tensor
        # does for plain detectors (mmdet's visualizer and metrics expect
        # tensors; this wrapper's own preprocessor leaves samples alone)
        for key in ('gt_instances', 'ignored_instances'):
            gt = sample.get(key, None)
            if gt is not None and isinstance(gt.get('bboxes', None),
                                             BaseBoxes):
                gt.bboxes = gt.bboxes.tensor
        return sample
