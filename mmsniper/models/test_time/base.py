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

import numpy as np
import torch
from mmdet.structures import DetDataSample, SampleList
from mmdet.structures.bbox import BaseBoxes
from mmengine.model import BaseTTAModel
from mmengine.structures import InstanceData
from torch import Tensor

from ...chips.merge import merge_detections
from .budgets import Budget, final_cap
from .chip_runner import (ChipDets, ChipRunnerMixin, Job,  # noqa: F401
                          as_tensor_boxes)
from .tiles import build_tile_cfg

#: Keys every wrapper setting dict accepts (``from_block`` is the marker of
#: values copied from the config's ``sniper`` block, see
#: :func:`~mmsniper.engine.resolve_sniper_block`).
COMMON_KEYS = ('nms', 'max_per_img', 'max_per_mpix', 'chips_per_batch',
               'rpn_budget', 'det_budget', 'score_floor', 'tile',
               'from_block')


#: Type names of test-time wrappers (mmdet's and this project's): a wrapper's
#: ``module`` must not be one of them.
WRAPPER_TYPES = ('SniperMultiScaleTTA', 'AutoFocusDetector', 'DetTTAModel',
                 'BaseTTAModel')


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
        for img in d['inputs']:
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
              device: Optional[torch.device] = None
              ) -> Tuple[Tensor, Tensor, Tensor]:
        """All candidates of one image merged once.

        Args:
            dets (list[tuple]): ``(bboxes (N_i, 4), scores (N_i, ), labels
                (N_i, ))`` per job, original px.
            img_pixels (float): Area of the original image (for the cap).
            device (torch.device, optional): Of the empty result when there
                is no candidate. Defaults to None (the CPU).

        Returns:
            tuple[Tensor, Tensor, Tensor]: Per-class soft-NMS (``nms``;
            None keeps the best only) of all candidates, capped by
            :func:`~mmsniper.models.test_time.budgets.final_cap`, sorted by
            decreasing score.
        """
        cap = final_cap(self.max_per_img, self.max_per_mpix, img_pixels)
        if self.nms_cfg is not None:
            nms = None if self.nms_cfg == 'default' else dict(self.nms_cfg)
            if dets:
                return merge_detections(dets, nms, cap)
        if not dets:
            return (torch.zeros((0, 4), device=device),
                    torch.zeros((0, ), device=device),
                    torch.zeros((0, ), dtype=torch.long, device=device))
        bboxes = torch.cat([d[0].reshape(-1, 4) for d in dets]).float()
        scores = torch.cat([d[1].reshape(-1) for d in dets]).float()
        labels = torch.cat([d[2].reshape(-1) for d in dets]).long()
        scores, order = scores.sort(descending=True, stable=True)
        if cap > 0:
            scores, order = scores[:cap], order[:cap]
        return bboxes[order], scores, labels[order]

    @staticmethod
    def pack(sample: DetDataSample, img_shape: Tuple[int, int],
             bboxes: Tensor, scores: Tensor, labels: Tensor, rescale: bool,
             extra_meta: Dict) -> DetDataSample:
        """Store the merged detections (and stats) in ``sample``; boxes go
        to ``ori_shape`` pixels when the pipeline resized (``rescale``)."""
        h, w = img_shape
        oh, ow = sample.metainfo.get('ori_shape', (h, w))
        if rescale and (oh != h or ow != w):
            bboxes = bboxes * bboxes.new_tensor([ow / w, oh / h] * 2)
        inst = InstanceData()
        inst.bboxes = bboxes
        inst.scores = scores
        inst.labels = labels
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


def _wrapper_name(module) -> Optional[str]:
    """The type name of ``module`` (a config dict or a module) when it is
    a test-time wrapper, else None."""
    if isinstance(module, BaseTTAModel):
        return type(module).__name__
    if not isinstance(module, dict):
        return None
    t = module.get('type', None)
    if isinstance(t, type):
        return t.__name__ if issubclass(t, BaseTTAModel) else None
    if not isinstance(t, str):
        return None
    name = t.split('.')[-1]
    if name in WRAPPER_TYPES:
        return name
    try:  # a registered subclass of a wrapper under another name
        from mmdet.registry import MODELS
        cls = MODELS.get(t)
    except Exception:  # noqa: BLE001 - unknown type: MODELS.build says so
        cls = None
    if isinstance(cls, type) and issubclass(cls, BaseTTAModel):
        return name
    return None


def check_not_wrapper(module, owner: str) -> None:
    """Raise when a wrapper's ``module`` is itself a test-time wrapper.

    This is what ``tools/test.py --tta`` (ours or mmdet's) builds from a
    ``*_autofocus-test.py`` / ``*_pyramid-test.py`` leaf config, whose
    ``model`` already is the wrapper: ``tta_model`` around it would run
    the wrapper's test-time loop on top of another one.

    Args:
        module (dict | nn.Module): The ``module`` argument of a wrapper.
        owner (str): The wrapper's name (in the message).

    Raises:
        ValueError: Naming the inner wrapper type.
    """
    name = _wrapper_name(module)
    if name is not None:
        raise ValueError(
            f'{owner}: its `module` is itself a test-time wrapper ({name}): '
            "the config's model is already a wrapper (a *_autofocus-test.py "
            'or *_pyramid-test.py config, whose model is the wrapper around '
            'the trained detector). Test that config without --tta, or '
            'pass the training config with --tta.')


def check_backbone_stub(backbone, owner: str) -> None:
    """``backbone`` of a wrapper config exists only because mmdet's
    ``init_detector`` reads ``config.model.backbone.init_cfg``; it must be
    empty (the inner detector's backbone is ``module.backbone``)."""
    if backbone:
        raise ValueError(f'{owner}: `backbone` must be empty (it is there '
                         'for mmdet.apis.init_detector); the inner '
                         'detector is `module`, its backbone '
                         f'module.backbone; got backbone={dict(backbone)}')


def np_chips(chips) -> np.ndarray:
    return np.asarray(chips, dtype=np.float64).reshape(-1, 4)
