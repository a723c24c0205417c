# Copyright (c) mmsniper contributors. All rights reserved.
"""What the multi-scale test-time wrappers share: :class:`ChipTestMixin`.

A wrapper runs its inner detector (``self.module``, mmengine's TTA idiom) on
*jobs*: one job is a window of an image resized by a factor (a whole-image
pass at one scale, one tile of it, or one FocusChip). Data stays on the
model's device: the wrapper's own preprocessor moves each original image
(uint8 ``(C, H, W)``) to the device once; every window is cut and resized
there (:func:`~mmsniper.chips.crop_resize.crop_resize_tensor`, bilinear with
half-pixel centres, the rule ``SnipChipCrop`` trains with); windows of one
scale are sorted by size and batched (``chips_per_batch``) through the inner
detector's data preprocessor (normalisation, padding); candidates come from
:func:`~mmsniper.models.test_time.raw_predict.raw_detections` (no per-input
NMS, score floor 1e-3) and are mapped back to original-image pixels.

Large inputs (side over ``tile.size`` input px) are run as overlapping tiles
(:mod:`~mmsniper.models.test_time.tiles`). Budgets are
:class:`~mmsniper.models.test_time.budgets.Budget` (per megapixel).

Shape shorthands: ``N`` detections, ``K`` chips.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch
from mmdet.structures import DetDataSample, SampleList
from mmdet.structures.bbox import BaseBoxes
from mmengine.model import BaseTTAModel
from mmengine.structures import InstanceData
from torch import Tensor

from ...chips.crop_resize import crop_resize_tensor
from ...chips.merge import merge_detections
from .budgets import Budget, final_cap
from .raw_predict import raw_detections
from .tiles import build_tile_cfg, tile_windows

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


class Job(NamedTuple):
    """One detector input: window ``origin`` ``(ox, oy)`` / ``shape``
    ``(h, w)`` (input px) of source ``src`` resized by ``f``; ``back``
    (original px per source px, x and y); ``chip`` the window in original
    px; ``prune`` the border margin (original px, 0 for none) applied on its
    inner edges; ``tag`` (free: scale index)."""
    img: int
    src: int
    f: float
    origin: Tuple[float, float]
    shape: Tuple[int, int]
    back: Tuple[float, float]
    chip: Tuple[float, float, float, float]
    prune: float
    tag: int


class ChipDets(NamedTuple):
    """Candidates of one job in original px, its FocusPixel map ``(h, w)``
    (or None) and its processed pixels (window area, no padding)."""
    bboxes: Tensor
    scores: Tensor
    labels: Tensor
    focus_prob: Optional[Tensor]
    pixels: int


def as_tensor_boxes(bboxes) -> Tensor:
    return bboxes.tensor if isinstance(bboxes, BaseBoxes) else bboxes


class ChipTestMixin:
    """Job runner, merge and packing of the test-time wrappers.

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
    def windows(self, img: int, src: int, f: float, region: Sequence[float],
                shape: Tuple[int, int], back: Tuple[float, float],
                prune: float, tag: int) -> List[Job]:
        """The jobs of one region, tiled when a side exceeds ``tile.size``.

        Args:
            img (int): Index of the image in the batch.
            src (int): Index of the source tensor the window is cut from.
            f (float): Resize factor of the source.
            region (Sequence[float]): ``[x1, y1, x2, y2]`` in source px;
                its window in input px starts at ``region[:2] * f``.
            shape (tuple[int, int]): ``(h, w)`` of the window (input px).
            back (tuple[float, float]): Original px per source px.
            prune (float): Border margin (original px) of the region's
                inner edges; 0 for none.
            tag (int): Stored in the jobs (the scale index).

        Returns:
            list[Job]: One job, or one per tile. A tile's ``chip`` keeps the
            region's own edges where the tile reaches them (so that an edge
            on the image border stays one for
            :func:`~mmsniper.chips.merge.border_prune`); its inner edges are
            pruned by ``max(prune, tile.border_margin / f)``.
        """
        ox, oy = region[0] * f, region[1] * f
        h, w = int(shape[0]), int(shape[1])
        wins = tile_windows(h, w, self.tile['size'], self.tile['overlap'])
        if len(wins) > 1:
            prune = max(prune, self.tile['border_margin'] / f)
        jobs = []
        for x0, y0, x1, y1 in wins:
            chip = (float(region[0]) if x0 <= 0 else region[0] + x0 / f,
                    float(region[1]) if y0 <= 0 else region[1] + y0 / f,
                    float(region[2]) if x1 >= w else region[0] + x1 / f,
                    float(region[3]) if y1 >= h else region[1] + y1 / f)
            jobs.append(
                Job(img, src, float(f), (ox + x0, oy + y0), (y1 - y0,
                                                             x1 - x0), back,
                    chip, float(prune), tag))
        return jobs

    def run_jobs(self, sources: List[Tensor], jobs: List[Job],
                 batch_size: int, with_focus: bool = False
                 ) -> List[ChipDets]:
        """Run the inner detector on every job, ``batch_size`` at a time.

        Args:
            sources (list[Tensor]): ``(C, H, W)`` images on the device.
            jobs (list[Job]): The windows.
            batch_size (int): Inputs per detector call.
            with_focus (bool): Also return FocusPixel maps.

        Returns:
            list[ChipDets]: In the order of ``jobs``, boxes in original px,
            clipped to the job's ``chip``.
        """
        det = self.module
        order = sorted(range(len(jobs)),
                       key=lambda i: (-jobs[i].shape[0] * jobs[i].shape[1],
                                      i))
        results: List[Optional[ChipDets]] = [None] * len(jobs)
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            inputs, samples = [], []
            for i in batch:
                job = jobs[i]
                inputs.append(
                    crop_resize_tensor(sources[job.src], job.f, job.origin,
                                       job.shape))
                samples.append(
                    DetDataSample(
                        metainfo=dict(
                            img_shape=job.shape,
                            ori_shape=job.shape,
                            scale_factor=(1., 1.))))
            data = det.data_preprocessor(
                dict(inputs=inputs, data_samples=samples), False)
            pixels = max(jobs[i].shape[0] * jobs[i].shape[1] for i in batch)
            dets, maps = raw_detections(
                det, data['inputs'], data['data_samples'],
                rpn_max=self.rpn_budget(pixels) if self.rpn_budget else None,
                det_max=self.det_budget(pixels) if self.det_budget else None,
                score_floor=self.score_floor,
                with_focus=with_focus)
            for k, i in enumerate(batch):
                job = jobs[i]
                bboxes, scores, labels = dets[k]
                bboxes = as_tensor_boxes(bboxes).reshape(-1, 4)
                off = bboxes.new_tensor(
                    [job.origin[0], job.origin[1]] * 2)
                back = bboxes.new_tensor(
                    [job.back[0] / job.f, job.back[1] / job.f] * 2)
                mapped = (bboxes + off) * back
                # inside the job's region (a window rounded up, or the
                # 1-px minimum of a tiny image, reaches past it)
                x1, y1, x2, y2 = (c * b
                                  for c, b in zip(job.chip, job.back * 2))
                mapped[:, 0::2] = mapped[:, 0::2].clamp(x1, x2)
                mapped[:, 1::2] = mapped[:, 1::2].clamp(y1, y2)
                results[i] = ChipDets(mapped, scores, labels,
                                      None if maps is None else maps[k],
                                      job.shape[0] * job.shape[1])
        return results

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
