# Copyright (c) mmsniper contributors. All rights reserved.
"""Instance masks through the test-time wrappers, in bounded memory.

When the inner detector has a mask head (a ``StandardRoIHead`` with
``mask_head``, e.g. Mask R-CNN), every candidate of a job keeps, next to
its box, the ``(M, M)`` mask probabilities its box has in the chip (``M``
the mask head's size, 28; float16, 1.5 kB a candidate:
:func:`candidate_mask_probs`). The box merge (valid ranges, border pruning,
soft-NMS) alone decides which instances survive; only the survivors are
pasted (:func:`paste_rle`), each into its own box region of the original
image (mmdet's ``_do_paste_mask`` with ``skip_empty=True``: bilinear, the
rule of mmdet's single-scale paste), thresholded at the head's
``mask_thr_binary`` and run-length encoded straight into the full-image
COCO RLE (:func:`crop_to_rle`: the runs come from the crop's foreground
pixels, O(box area) time and memory). No image-sized array is ever made,
so an 89 Mpix image costs its candidates' 28x28 maps plus one box crop at
a time.

A 28x28 map is relative to its box, so mapping the box from chip to
original pixels (offset and factor) maps the mask too: pasting the map into
the mapped box at the original resolution is exactly mmdet's
``rescale=True`` paste of a single-scale Mask R-CNN.

The result, ``pred_instances.masks``, is an
:class:`~mmsniper.models.test_time.rle_masks.RLEMasks`, a sequence of COCO
RLE dicts (``{'size': [H, W], 'counts': bytes}``): what mmdet's
``CocoMetric`` (``metric=['bbox', 'segm']``) takes as it is, what
:class:`~mmsniper.evaluation.DumpCocoJson` writes as ``segmentation``, and
(through its lazy ``numpy()``) what mmdet's ``DumpDetResults`` (``--out
*.pkl``) re-encodes.

Paste on the CPU: the box crops go to the host one at a time (the maps of
the survivors, ``K x 1.5 kB``, are moved once).

Shape shorthands: ``N`` candidates, ``M`` the mask size, ``K`` survivors.
"""
from typing import List, Sequence, Tuple

import numpy as np
import pycocotools.mask as mask_util
import torch
from torch import Tensor

from .rle_masks import RLEMasks

#: RoIs per mask head call (bounds the ``(chunk, C, M, M)`` logits).
MASK_CHUNK = 256


def wants_masks(detector) -> bool:
    """Whether ``detector`` has a mask head the wrappers can run
    (``roi_head.with_mask`` of a ``StandardRoIHead``)."""
    roi_head = getattr(detector, 'roi_head', None)
    return bool(getattr(roi_head, 'with_mask', False)) and hasattr(
        roi_head, '_mask_forward')


def mask_threshold(detector) -> float:
    """``test_cfg.rcnn.mask_thr_binary`` of the detector (mmdet's 0.5 when
    unset)."""
    cfg = getattr(detector.roi_head, 'test_cfg', None) or {}
    return float(cfg.get('mask_thr_binary', 0.5))


def candidate_mask_probs(detector, x: Sequence[Tensor],
                         boxes: List[Tensor], labels: List[Tensor]
                         ) -> List[Tensor]:
    """Mask probabilities of each input's candidates, in their boxes.

    Args:
        detector (nn.Module): A two-stage detector with a mask head.
        x (Sequence[Tensor]): Its features of the batch.
        boxes (list[Tensor]): ``(N_i, 4)`` candidate boxes per input, input
            px (the boxes the mask head sees, as mmdet's ``predict_mask``).
        labels (list[Tensor]): ``(N_i, )`` their classes.

    Returns:
        list[Tensor]: ``(N_i, M, M)`` float16 sigmoid probabilities of each
        candidate's own class (channel 0 for a class-agnostic head).
    """
    from mmdet.structures.bbox import bbox2roi
    roi_head = detector.roi_head
    agnostic = bool(getattr(roi_head.mask_head, 'class_agnostic', False))
    rois = bbox2roi([b.reshape(-1, 4) for b in boxes])
    cls = torch.cat([lab.reshape(-1) for lab in labels]).long()
    parts = []
    for start in range(0, rois.shape[0], MASK_CHUNK):
        stop = min(start + MASK_CHUNK, rois.shape[0])
        preds = roi_head._mask_forward(x, rois[start:stop])['mask_preds']
        ch = torch.zeros_like(cls[start:stop]) if agnostic \
            else cls[start:stop]
        idx = torch.arange(stop - start, device=preds.device)
        parts.append(preds[idx, ch].sigmoid().to(torch.float16))
    if not parts:
        # no candidate: the map size is unknown and unused
        return [rois.new_zeros((0, 28, 28), dtype=torch.float16)
                for _ in boxes]
    return list(torch.cat(parts).split([len(b) for b in boxes]))


def gather_survivors(masks: Sequence[Tensor], index: Tensor) -> Tensor:
    """The maps of the merge's survivors.

    Args:
        masks (Sequence[Tensor]): ``(N_j, M, M)`` per job, in the order
            the merge concatenated the jobs' candidates.
        index (Tensor): ``(K, )`` survivor indices into that concatenation.

    Returns:
        Tensor: ``(K, M, M)``.
    """
    sizes = torch.tensor([len(m) for m in masks], dtype=torch.long)
    ends = sizes.cumsum(0)
    index = index.to('cpu').long()
    job = torch.searchsorted(ends, index, right=True)
    ref = next(m for m in masks if len(m))  # survivors come from one
    out = ref.new_zeros((len(index), ) + tuple(ref.shape[1:]))
    starts = ends - sizes
    for k, (j, i) in enumerate(zip(job.tolist(), index.tolist())):
        out[k] = masks[j][i - int(starts[j])]
    return out


def crop_to_rle(crop: np.ndarray, y0: int, x0: int,
                img_shape: Tuple[int, int]) -> dict:
    """COCO RLE of an image-sized mask that is zero outside one crop,
    built without the image-sized array.

    COCO RLE runs over the pixels in column-major order, starting with a
    run of zeros. The foreground pixels of the crop, taken column by column
    (``np.nonzero`` of its transpose), have increasing column-major indices
    ``(x0 + c) * H + (y0 + r)``; each maximal range of consecutive indices
    is a run of ones, the gaps between them runs of zeros.

    Args:
        crop (np.ndarray): ``(h, w)`` boolean (or 0/1) crop.
        y0 (int): Its top row in the image.
        x0 (int): Its left column in the image.
        img_shape (tuple[int, int]): ``(H, W)`` of the image.

    Returns:
        dict: ``{'size': [H, W], 'counts': bytes}`` (pycocotools' compressed
        RLE, as ``mask.encode`` of the full array gives it).
    """
    height, width = int(img_shape[0]), int(img_shape[1])
    h, w = crop.shape
    if y0 < 0 or x0 < 0 or y0 + h > height or x0 + w > width:
        raise ValueError(f'crop {w}x{h} at ({x0}, {y0}) is outside the '
                         f'{width}x{height} image')
    cols, rows = np.nonzero(np.asarray(crop).T)
    idx = (cols.astype(np.int64) + x0) * height + rows + y0
    total = height * width
    if idx.size == 0:
        counts = np.array([total], np.int64)
    else:
        cut = np.nonzero(np.diff(idx) != 1)[0]
        starts = np.concatenate([idx[:1], idx[cut + 1]])
        ends = np.concatenate([idx[cut] + 1, idx[-1:] + 1])
        counts = np.empty(2 * len(starts) + 1, np.int64)
        counts[0] = starts[0]
        counts[1::2] = ends - starts
        counts[2:-1:2] = starts[1:] - ends[:-1]
        counts[-1] = total - ends[-1]
        if counts[-1] == 0:  # as mask.encode: no trailing empty run
            counts = counts[:-1]
    return mask_util.frPyObjects(
        dict(size=[height, width], counts=counts.tolist()), height, width)


def paste_rle(probs: Tensor, bboxes: Tensor, img_shape: Tuple[int, int],
              threshold: float = 0.5) -> List[dict]:
    """Paste survivors' maps into the image, one box region at a time.

    Args:
        probs (Tensor): ``(K, M, M)`` mask probabilities, each relative to
            its box.
        bboxes (Tensor): ``(K, 4)`` the boxes in the pixels of
            ``img_shape``.
        img_shape (tuple[int, int]): ``(H, W)`` of the output masks.
        threshold (float): Pixels ``>= threshold`` are foreground (mmdet's
            ``mask_thr_binary``). Defaults to 0.5.

    Returns:
        RLEMasks: ``K`` COCO RLE masks of size ``(H, W)``.
    """
    from mmdet.models.roi_heads.mask_heads.fcn_mask_head import \
        _do_paste_mask
    height, width = int(img_shape[0]), int(img_shape[1])
    out = []
    for prob, box in zip(probs.cpu(), bboxes.cpu()):
        crop, (ys, xs) = _do_paste_mask(prob[None, None].float(),
                                        box[None].float(), height, width,
                                        skip_empty=True)
        crop = (crop[0] >= threshold).cpu().numpy()
        out.append(crop_to_rle(crop, int(ys.start), int(xs.start),
                               (height, width)))
    return RLEMasks(out, (height, width))
