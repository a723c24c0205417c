# Copyright (c) mmsniper contributors. All rights reserved.
"""Shared machinery of the multi-scale test-time detectors.

:class:`BaseChipTestDetector` wraps any mmdet detector (a ``detector``
config, as mmdet's ``SemiBaseDetector``) and runs it on *jobs*: one job is
a chip of an original image (``[x1, y1, x2, y2]`` in original pixels, the
whole image included) resized by a factor. The chips of one call are
cropped and resized from the original image (one affine warp each, the
same as ``SnipChipCrop`` at training time), sorted by size, batched
(``chips_per_batch``, zero-padded by the detector's data preprocessor) and
run through the detector. Detections come back in original-image pixels.

Data flow: the test pipeline must keep the original image (no ``Resize``):
``LoadImageFromFile -> LoadAnnotations -> PackDetInputs``. The wrapper's
own data preprocessor only moves data to the device; each chip batch goes
through the inner detector's data preprocessor (normalisation, BGR->RGB,
padding). If the pipeline resized the image anyway, the image as given is
treated as the original and the results are mapped back to ``ori_shape``.

Shape shorthands: ``N`` detections, ``K`` chips.
"""
import contextlib
import math
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmdet.models.detectors import BaseDetector
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample, SampleList
from mmdet.structures.bbox import BaseBoxes
from mmdet.utils import ConfigType, OptMultiConfig
from mmengine.structures import InstanceData
from torch import Tensor

from ...chips.merge import merge_detections


class ChipJob(NamedTuple):
    """One detector run: ``chip`` (original px, float) of image
    ``img_idx`` resized by ``factor``."""
    img_idx: int
    chip: Tuple[float, float, float, float]
    factor: float


class ChipResult(NamedTuple):
    """Detections of one job in original-image pixels and, when asked for,
    its FocusPixel map ``(h, w)`` on the head's cell grid."""
    bboxes: Tensor  # [N, 4]
    scores: Tensor  # [N]
    labels: Tensor  # [N]
    focus_prob: Optional[Tensor]  # [h, w] or None
    pixels: int  # processed pixels (resized chip content, no padding)


def _is_whole(chip: Sequence[float], img_shape: Tuple[int, int]) -> bool:
    """Whether ``chip`` covers the whole image."""
    h, w = img_shape
    return chip[0] <= 0 and chip[1] <= 0 and chip[2] >= w and chip[3] >= h


def chip_out_size(chip: Sequence[float], factor: float,
                  img_shape: Tuple[int, int]) -> Tuple[int, int]:
    """``(h, w)`` of ``chip`` resized by ``factor``.

    The whole image becomes ``floor(side * factor)`` (as
    :func:`mmsniper.chips.scales.scaled_size`), any other chip
    ``round(side * factor)``; at least 1.
    """
    x1, y1, x2, y2 = chip
    h, w = img_shape
    if _is_whole(chip, img_shape):
        return (max(int(math.floor(h * factor + 1e-6)), 1),
                max(int(math.floor(w * factor + 1e-6)), 1))
    return (max(int(round((y2 - y1) * factor)), 1),
            max(int(round((x2 - x1) * factor)), 1))


def crop_resize(img: np.ndarray, chip: Sequence[float], factor: float,
                out_size: Tuple[int, int]) -> np.ndarray:
    """Pixels of ``chip`` (original px) of ``img`` (HWC) resized by
    ``factor``: the window starting at ``chip[:2] * factor`` of the whole
    image resized by ``factor`` (bilinear, half-pixel centres as
    ``cv2.resize``), ``out_size = (h, w)``."""
    ox, oy = chip[0] * factor, chip[1] * factor
    h, w = out_size
    if factor == 1.0 and float(ox).is_integer() and float(oy).is_integer():
        x0, y0 = int(ox), int(oy)
        out = img[y0:y0 + h, x0:x0 + w]
        if out.shape[:2] == (h, w):
            return np.ascontiguousarray(out)
    m = np.array([[1 / factor, 0, (ox + 0.5) / factor - 0.5],
                  [0, 1 / factor, (oy + 0.5) / factor - 0.5]],
                 dtype=np.float64)
    out = cv2.warpAffine(
        img, m, (w, h),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE)
    if out.ndim == 2:
        out = out[..., None]
    return out


class BaseChipTestDetector(BaseDetector):
    """Base of the test-time detectors that run a detector on chips.

    Subclasses implement :meth:`predict`. Training is not supported: train
    the inner detector and wrap it at test time (``tools/test.py --mode``).

    Args:
        detector (dict | nn.Module): The inner detector (any mmdet
            detector with ``predict(inputs, data_samples, rescale)``).
        module (dict | nn.Module, optional): Alias of ``detector``, so that
            mmdet's ``--tta`` (``dict(**tta_model, module=model)``) works.
        chips_per_batch (int | list[int]): Chips per detector call, or one
            value per scale (in the wrapper's scale order). Defaults to 1.
        chip_rpn_cfg (dict, optional): Overrides of the detector's RPN test
            config (e.g. ``dict(max_per_img=100)``) for batches of chips
            that are not whole images: a chip holds a part of the image's
            objects, so it may need fewer proposals than a whole image.
            Defaults to None (the detector's config everywhere).
        rpn_budget (dict, optional): Proposals proportional to the
            processed pixels, for every detector call (whole images and
            chips): ``dict(per_mpix=510, min=100, max=3000)`` sets the
            RPN's ``max_per_img`` to ``clip(per_mpix * Mpix, min, max)``
            of the largest input of the batch. Applied after
            ``chip_rpn_cfg``. Defaults to None (fixed budget).
        det_budget (dict, optional): The same rule for the detections
            kept per input (the RoI head's ``max_per_img``). A fixed
            budget starves large inputs: a whole image at a fine scale
            holds many more objects than a 512 px slice. Defaults to None.
        data_preprocessor (dict, optional): The wrapper's own preprocessor.
            Defaults to ``BaseDataPreprocessor`` (device transfer only).
        init_cfg (dict, optional): Unused. Defaults to None.
    """

    def __init__(self,
                 detector: Union[ConfigType, nn.Module, None] = None,
                 module: Union[ConfigType, nn.Module, None] = None,
                 chips_per_batch: Union[int, Sequence[int]] = 1,
                 chip_rpn_cfg: Optional[dict] = None,
                 rpn_budget: Optional[dict] = None,
                 det_budget: Optional[dict] = None,
                 data_preprocessor: Optional[ConfigType] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.chip_rpn_cfg = dict(chip_rpn_cfg or {})
        self.rpn_budget = dict(rpn_budget or {})
        self.det_budget = dict(det_budget or {})
        for name, b in (('rpn_budget', self.rpn_budget),
                        ('det_budget', self.det_budget)):
            if b and 'per_mpix' not in b:
                raise ValueError(f'{name} needs per_mpix (boxes per '
                                 f'megapixel), got {b}')
        if (detector is None) == (module is None):
            raise ValueError(f'{type(self).__name__} needs exactly one of '
                             '`detector` and `module` (the inner detector)')
        detector = detector if detector is not None else module
        self.detector = detector if isinstance(
            detector, nn.Module) else MODELS.build(detector)
        sizes = list(chips_per_batch) if isinstance(
            chips_per_batch, (list, tuple)) else [chips_per_batch]
        if not sizes or any(int(b) < 1 for b in sizes):
            raise ValueError('chips_per_batch must be >= 1 (or a list of '
                             f'them, one per scale), got {chips_per_batch}')
        self.chips_per_batch = [int(b) for b in sizes] if isinstance(
            chips_per_batch, (list, tuple)) else int(chips_per_batch)

    def batch_size(self, scale_idx: int) -> int:
        """Chips per detector call at scale ``scale_idx``."""
        if isinstance(self.chips_per_batch, list):
            return self.chips_per_batch[min(scale_idx,
                                            len(self.chips_per_batch) - 1)]
        return self.chips_per_batch

    # ------------------------------------------------------------------
    # checkpoints of the plain detector load into the wrapper
    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, strict: bool,
                              missing_keys: List[str],
                              unexpected_keys: List[str],
                              error_msgs: List[str]) -> None:
        """Accept checkpoints of the inner detector: keys without the
        ``detector.`` prefix get it (as ``SemiBaseDetector`` does)."""
        ours = prefix + 'detector.'
        keys = [k for k in state_dict if k.startswith(prefix)]
        if keys and not any(k.startswith(ours) for k in keys):
            for k in keys:
                state_dict[ours + k[len(prefix):]] = state_dict.pop(k)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    # ------------------------------------------------------------------
    def loss(self, batch_inputs: Tensor, batch_data_samples: SampleList):
        raise NotImplementedError(
            f'{type(self).__name__} is a test-time wrapper; train the inner '
            'detector (e.g. FocusFasterRCNN) and wrap it at test time')

    def _forward(self, batch_inputs, batch_data_samples=None):
        raise NotImplementedError(
            f'{type(self).__name__} has no tensor mode; use predict')

    def extract_feat(self, batch_inputs: Tensor):
        return self.detector.extract_feat(batch_inputs)

    def test_step(self, data: Union[dict, tuple, list]) -> list:
        """Run :meth:`predict` on the original images of a batch."""
        data = self.data_preprocessor(data, False)
        return self.predict(data['inputs'], data['data_samples'])

    def val_step(self, data: Union[dict, tuple, list]) -> list:
        return self.test_step(data)

    # ------------------------------------------------------------------
    @staticmethod
    def _to_hwc(img: Union[Tensor, np.ndarray]) -> np.ndarray:
        """A ``(C, H, W)`` tensor (PackDetInputs) as ``(H, W, C)`` numpy."""
        if isinstance(img, np.ndarray):
            return img if img.ndim == 3 else img[..., None]
        if img.dim() == 2:
            img = img[None]
        return np.ascontiguousarray(img.detach().permute(1, 2, 0).cpu()
                                    .numpy())

    @staticmethod
    @contextlib.contextmanager
    def _cfg_overrides(head: Optional[nn.Module], overrides: dict):
        """Temporarily update ``head.test_cfg`` (restored on exit)."""
        cfg = getattr(head, 'test_cfg', None)
        if not overrides or cfg is None:
            yield
            return
        old = {k: cfg.get(k, None) for k in overrides}
        cfg.update(overrides)
        try:
            yield
        finally:
            for k, v in old.items():
                if v is None:
                    cfg.pop(k, None)
                else:
                    cfg[k] = v

    @staticmethod
    def _budget(budget: dict, pixels: int) -> int:
        """``clip(per_mpix * pixels / 1e6, min, max)``, rounded."""
        n = int(round(budget['per_mpix'] * pixels / 1e6))
        return int(min(max(n, budget.get('min', 1)),
                       budget.get('max', 1 << 30)))

    def _detector_predict(self,
                          inputs: List[Tensor],
                          samples: List[DetDataSample],
                          with_focus: bool,
                          partial_chips: bool = False,
                          pixels: int = 0) -> List[DetDataSample]:
        data = self.detector.data_preprocessor(
            dict(inputs=inputs, data_samples=samples), False)
        kwargs = dict(with_focus=with_focus) if hasattr(
            self.detector, 'focus_head') else {}
        rpn = dict(self.chip_rpn_cfg) if partial_chips else {}
        if self.rpn_budget:
            rpn['max_per_img'] = self._budget(self.rpn_budget, pixels)
        rcnn = {}
        if self.det_budget:
            rcnn['max_per_img'] = self._budget(self.det_budget, pixels)
        with self._cfg_overrides(getattr(self.detector, 'rpn_head', None),
                                 rpn), \
                self._cfg_overrides(
                    getattr(self.detector, 'roi_head', None), rcnn):
            return self.detector.predict(
                data['inputs'], data['data_samples'], rescale=False,
                **kwargs)

    def run_chips(self,
                  images: List[np.ndarray],
                  jobs: List[ChipJob],
                  with_focus: bool = False,
                  batch_size: Optional[int] = None) -> List[ChipResult]:
        """Run the detector on every job, ``batch_size`` at a time.

        Args:
            images (list[np.ndarray]): Original images, ``(H, W, C)``
                uint8 in the detector's input channel order (BGR).
            jobs (list[ChipJob]): The chips to run.
            with_focus (bool): Also return the FocusPixel maps (the inner
                detector must have a ``focus_head``). Defaults to False.
            batch_size (int, optional): Chips per detector call. Defaults
                to :meth:`batch_size` of scale 0.

        Returns:
            list[ChipResult]: In the order of ``jobs``.
        """
        sizes = [
            chip_out_size(j.chip, j.factor, images[j.img_idx].shape[:2])
            for j in jobs
        ]
        # big chips first, so that a batch holds chips of similar size
        order = sorted(range(len(jobs)),
                       key=lambda i: (-sizes[i][0] * sizes[i][1], i))
        results: List[Optional[ChipResult]] = [None] * len(jobs)
        batch_size = batch_size or self.batch_size(0)
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            inputs, samples = [], []
            for i in batch:
                job = jobs[i]
                chip_img = crop_resize(images[job.img_idx], job.chip,
                                       job.factor, sizes[i])
                inputs.append(torch.from_numpy(chip_img).permute(2, 0, 1))
                samples.append(
                    DetDataSample(
                        metainfo=dict(
                            img_shape=sizes[i],
                            ori_shape=sizes[i],
                            scale_factor=(1., 1.))))
            partial = not any(
                _is_whole(jobs[i].chip, images[jobs[i].img_idx].shape[:2])
                for i in batch)
            preds = self._detector_predict(
                inputs, samples, with_focus, partial,
                max(sizes[i][0] * sizes[i][1] for i in batch))
            for i, pred in zip(batch, preds):
                job = jobs[i]
                inst = pred.pred_instances
                bboxes = inst.bboxes
                if hasattr(bboxes, 'tensor'):
                    bboxes = bboxes.tensor
                bboxes = bboxes.reshape(-1, 4) / job.factor
                offset = bboxes.new_tensor(
                    [job.chip[0], job.chip[1], job.chip[0], job.chip[1]])
                prob = None
                if with_focus:
                    prob = pred.pred_focus_map.prob[0]
                results[i] = ChipResult(bboxes + offset, inst.scores,
                                        inst.labels, prob,
                                        sizes[i][0] * sizes[i][1])
        return results

    @staticmethod
    def _image_scale(img: np.ndarray, meta: dict) -> Tuple[float, float]:
        """``(sx, sy)`` from the given image to ``ori_shape`` (1 when the
        pipeline did not resize)."""
        h, w = img.shape[:2]
        oh, ow = meta.get('ori_shape', (h, w))
        return ow / w, oh / h

    def _pack(self, data_sample: DetDataSample, img: np.ndarray,
              bboxes: Tensor, scores: Tensor, labels: Tensor,
              rescale: bool, extra_meta: Dict) -> DetDataSample:
        """Store the merged detections (and stats) in the data sample."""
        sx, sy = self._image_scale(img, data_sample.metainfo)
        if rescale and (sx != 1 or sy != 1):
            bboxes = bboxes * bboxes.new_tensor([sx, sy, sx, sy])
        inst = InstanceData()
        inst.bboxes = bboxes
        inst.scores = scores
        inst.labels = labels
        data_sample.pred_instances = inst
        data_sample.set_metainfo(extra_meta)
        # box structures to tensors, as DetDataPreprocessor's boxtype2tensor
        # does for plain detectors (mmdet's visualizer and metrics expect
        # tensors; this wrapper's own preprocessor leaves samples alone)
        for key in ('gt_instances', 'ignored_instances'):
            gt = data_sample.get(key, None)
            if gt is not None and isinstance(gt.get('bboxes', None),
                                             BaseBoxes):
                gt.bboxes = gt.bboxes.tensor
        return data_sample

    @staticmethod
    def merge(dets: List[Tuple[Tensor, Tensor, Tensor]],
              nms_cfg: Optional[dict],
              max_per_img: int) -> Tuple[Tensor, Tensor, Tensor]:
        """Merge per-scale/chip detections with
        :func:`~mmsniper.chips.merge.merge_detections`; ``nms_cfg=None``
        only concatenates and keeps the ``max_per_img`` best (no NMS)."""
        if nms_cfg is not None:
            return merge_detections(dets, nms_cfg, max_per_img)
        if not dets:
            return (torch.zeros((0, 4)), torch.zeros((0, )),
                    torch.zeros((0, ), dtype=torch.long))
        bboxes = torch.cat([d[0].reshape(-1, 4) for d in dets]).float()
        scores = torch.cat([d[1].reshape(-1) for d in dets]).float()
        labels = torch.cat([d[2].reshape(-1) for d in dets]).long()
        scores, order = scores.sort(descending=True, stable=True)
        if max_per_img > 0:
            scores, order = scores[:max_per_img], order[:max_per_img]
        return bboxes[order], scores, labels[order]

    def predict(self,
                batch_inputs: List[Tensor],
                batch_data_samples: SampleList,
                rescale: bool = True) -> SampleList:
        raise NotImplementedError
