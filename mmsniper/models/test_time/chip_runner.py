# Copyright (c) mmsniper contributors. All rights reserved.
"""The jobs of the test-time wrappers and their runner:
:class:`Job`, :class:`ChipDets` and :class:`ChipRunnerMixin`.

A *job* is one detector input: a window of a source image resized by a
factor (a whole-image pass at one scale, one tile of it, or one FocusChip).
:meth:`ChipRunnerMixin.windows` makes the jobs of a region (tiled when a side
exceeds ``tile.size``, :mod:`~mmsniper.models.test_time.tiles`);
:meth:`ChipRunnerMixin.run_jobs` cuts and resizes each window on the
model's device (:func:`~mmsniper.chips.crop_resize.crop_resize_tensor`,
bilinear with half-pixel centres, the rule ``SnipChipCrop`` trains with),
batches the windows of one call by size through the inner detector's data
preprocessor, takes the candidates of
:func:`~mmsniper.models.test_time.raw_predict.raw_detections` (no
per-input NMS) and maps them back to original-image pixels.
"""
from typing import List, NamedTuple, Optional, Sequence, Tuple

from mmdet.structures import DetDataSample
from mmdet.structures.bbox import BaseBoxes
from torch import Tensor

from ...chips.crop_resize import crop_resize_tensor
from ...utils import host_memory
from .raw_predict import raw_detections
from .tiles import tile_windows


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
    (or None), its processed pixels (window area, no padding) and, with a
    mask head, each candidate's ``(M, M)`` float16 mask probabilities in
    its box (:mod:`~mmsniper.models.test_time.instance_masks`; else
    None)."""
    bboxes: Tensor
    scores: Tensor
    labels: Tensor
    focus_prob: Optional[Tensor]
    pixels: int
    masks: Optional[Tensor] = None

    def select(self, keep: Optional[Tensor] = None) -> tuple:
        """``(bboxes, scores, labels)`` (plus ``masks`` when there are
        any) of the candidates in the boolean ``keep`` (all when None): one
        entry of the merge's input."""
        parts = (self.bboxes, self.scores, self.labels)
        if self.masks is not None:
            parts += (self.masks, )
        if keep is None:
            return parts
        return tuple(p[keep] for p in parts)


def as_tensor_boxes(bboxes) -> Tensor:
    """``(N, 4)`` tensor of a box structure (``BaseBoxes``) or a tensor."""
    return bboxes.tensor if isinstance(bboxes, BaseBoxes) else bboxes


class ChipRunnerMixin:
    """Makes and runs the jobs of a test-time wrapper.

    The wrapper provides ``self.module`` (the inner detector), ``self.tile``
    (``dict(size, overlap, border_margin)``), ``self.rpn_budget`` /
    ``self.det_budget`` (a :class:`~mmsniper.models.test_time.budgets.Budget`
    or None) and ``self.score_floor``, as
    :meth:`~mmsniper.models.test_time.base.ChipTestMixin._init_runner`
    sets them.
    """

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
            clipped to the job's ``chip``; with ``self.with_mask`` each
            candidate's mask probabilities (relative to its box, so they
            need no mapping).
        """
        det = self.module
        if any(src.device.type == 'cpu' and src.shape[-2] * src.shape[-1] >=
               host_memory.HUGE_SCENE_PIXELS for src in sources):
            # a huge scene on the CPU: keep the heap from fragmenting over
            # its tiles (mmsniper.utils.host_memory)
            host_memory.bound_host_heap()
        order = sorted(range(len(jobs)),
                       key=lambda i: (-jobs[i].shape[0] * jobs[i].shape[1],
                                      i))
        results: List[Optional[ChipDets]] = [None] * len(jobs)
        # box-only runs call raw_detections exactly as before
        extra = dict(with_masks=True) if getattr(self, 'with_mask',
                                                 False) else {}
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
                with_focus=with_focus,
                **extra)
            for k, i in enumerate(batch):
                job = jobs[i]
                bboxes, scores, labels = dets[k][:3]
                masks = dets[k][3] if len(dets[k]) > 3 else None
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
                                      job.shape[0] * job.shape[1], masks)
        return results
