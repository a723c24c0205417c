# Copyright (c) mmsniper contributors. All rights reserved.
"""A stand-in for ``mmcv._ext`` on a machine where mmcv's ops are not built.

Only for ``tools/misc/gpu_check_offline.sh``: a lent GPU machine that has
torch, torchvision and CUDA but no mmcv, no network and minutes, not the
half hour that compiling mmcv 2.1.0's CUDA ops takes. Installed as
``mmcv/_ext.py`` beside mmcv's pure-python sources, it provides the ops a
Faster R-CNN FPN needs in training and at test time, on the tensors'
device:

- ``nms``: ``torchvision.ops.nms`` (the same greedy NMS as mmcv's, IoU
  with ``offset``; a plain torch loop where torchvision is missing);
- ``softnms``: mmcv's CPU soft-NMS (linear / Gaussian / naive), its loop
  compiled with numba where numba imports, else vectorised over the
  remaining boxes (mmcv's own is CPU-only too);
- ``roi_align_forward`` / ``roi_align_backward``: torchvision's
  ``roi_align`` kernels (same bilinear sampling, ``aligned`` and adaptive
  ``sampling_ratio`` as mmcv's; average pooling only);
- ``get_compiler_version`` / ``get_compiling_cuda_version``.

Every other name of mmcv's ``_ext`` resolves to a function that raises
``NotImplementedError`` naming the op, so an unsupported path fails loudly
instead of silently. ``SHIM = True`` lets tools report that the numbers
were taken with this stand-in.
"""
from typing import Callable

import numpy as np
import torch

SHIM = True


def _torchvision():
    try:
        import torchvision  # noqa: F401
        return torch.ops.torchvision
    except Exception:  # torchvision missing or built for another torch
        return None


def get_compiler_version() -> str:
    return 'mmsniper torchvision shim (no compiled mmcv ops)'


def get_compiling_cuda_version() -> str:
    return str(torch.version.cuda)


def _iou_row(box: torch.Tensor, boxes: torch.Tensor,
             offset: int) -> torch.Tensor:
    """IoU of one box (4, ) with boxes (K, 4), mmcv's ``offset`` rule."""
    xx1 = torch.maximum(box[0], boxes[:, 0])
    yy1 = torch.maximum(box[1], boxes[:, 1])
    xx2 = torch.minimum(box[2], boxes[:, 2])
    yy2 = torch.minimum(box[3], boxes[:, 3])
    inter = (xx2 - xx1 + offset).clamp(min=0) * (yy2 - yy1 + offset).clamp(
        min=0)
    area = (box[2] - box[0] + offset) * (box[3] - box[1] + offset)
    areas = (boxes[:, 2] - boxes[:, 0] + offset) * (
        boxes[:, 3] - boxes[:, 1] + offset)
    return inter / (area + areas - inter)


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float,
        offset: int = 0) -> torch.Tensor:
    """Indices (K, ) int64 of the kept boxes, by decreasing score."""
    if boxes.numel() == 0:
        return boxes.new_zeros((0, ), dtype=torch.long)
    tv = _torchvision()
    if tv is not None and offset == 0:
        return tv.nms(boxes.float(), scores.float(), float(iou_threshold))
    order = scores.argsort(descending=True, stable=True)
    b = boxes[order].float()
    keep = torch.ones(len(b), dtype=torch.bool, device=b.device)
    for i in range(len(b)):
        if not bool(keep[i]):
            continue
        over = _iou_row(b[i], b[i + 1:], offset) > iou_threshold
        keep[i + 1:] &= ~over
    return order[keep]


def _softnms_exact(b, s, out, iou_threshold, sigma, min_score, method,
                   offset):
    """mmcv's ``softnms_cpu`` loop, line by line (swaps included, so ties
    break as mmcv's do); compiled with numba where it imports."""
    n = b.shape[0]
    x1, y1, x2, y2 = b[:, 0].copy(), b[:, 1].copy(), b[:, 2].copy(), \
        b[:, 3].copy()
    sc = s.copy()
    areas = (x2 - x1 + offset) * (y2 - y1 + offset)
    inds = np.arange(n)
    nboxes = n
    i = 0
    while i < nboxes:
        max_score, max_pos = sc[i], i
        for pos in range(i + 1, nboxes):
            if max_score < sc[pos]:
                max_score, max_pos = sc[pos], pos
        ix1, iy1, ix2, iy2 = x1[max_pos], y1[max_pos], x2[max_pos], \
            y2[max_pos]
        iscore, iarea, iind = sc[max_pos], areas[max_pos], inds[max_pos]
        out[i, 0], out[i, 1], out[i, 2], out[i, 3], out[i, 4] = \
            ix1, iy1, ix2, iy2, iscore
        x1[max_pos], y1[max_pos], x2[max_pos], y2[max_pos] = \
            x1[i], y1[i], x2[i], y2[i]
        sc[max_pos], areas[max_pos], inds[max_pos] = sc[i], areas[i], inds[i]
        x1[i], y1[i], x2[i], y2[i] = ix1, iy1, ix2, iy2
        sc[i], areas[i], inds[i] = iscore, iarea, iind
        pos = i + 1
        while pos < nboxes:
            w = max(np.float32(0.), min(ix2, x2[pos]) - max(ix1, x1[pos]) +
                    offset)
            h = max(np.float32(0.), min(iy2, y2[pos]) - max(iy1, y1[pos]) +
                    offset)
            inter = w * h
            ovr = inter / (iarea + areas[pos] - inter)
            weight = np.float32(1.)
            if method == 0:
                if ovr >= iou_threshold:
                    weight = np.float32(0.)
            elif method == 1:
                if ovr >= iou_threshold:
                    weight = 1 - ovr
            else:
                weight = np.exp(-(ovr * ovr) / sigma)
            sc[pos] *= weight
            if sc[pos] < min_score:
                last = nboxes - 1
                x1[pos], y1[pos], x2[pos], y2[pos] = \
                    x1[last], y1[last], x2[last], y2[last]
                sc[pos], areas[pos], inds[pos] = \
                    sc[last], areas[last], inds[last]
                nboxes -= 1
                pos -= 1
            pos += 1
        i += 1
    return inds[:nboxes].copy()


try:  # the machine the offline GPU check runs on has numba
    import numba
    _softnms_jit = numba.njit(cache=False)(_softnms_exact)
except Exception:  # numba missing or unable to compile here
    _softnms_jit = None


def _softnms_numpy(b, s, out, iou_threshold, sigma, min_score, method,
                   offset):
    """The same rescoring vectorised over the remaining boxes (survivors
    and scores as mmcv's; exact ties may break in another order)."""
    idx = np.arange(len(s), dtype=np.int64)
    area = (b[:, 2] - b[:, 0] + offset) * (b[:, 3] - b[:, 1] + offset)
    sel = []
    while len(s):
        m = int(np.argmax(s))  # the first maximum, as mmcv's strict '<'
        box, area_m = b[m].copy(), area[m]
        out[len(sel), :4], out[len(sel), 4] = box, s[m]
        sel.append(idx[m])
        rest = np.arange(len(s)) != m
        b, s, idx, area = b[rest], s[rest], idx[rest], area[rest]
        xx1 = np.maximum(box[0], b[:, 0])
        yy1 = np.maximum(box[1], b[:, 1])
        xx2 = np.minimum(box[2], b[:, 2])
        yy2 = np.minimum(box[3], b[:, 3])
        inter = (np.maximum(0., xx2 - xx1 + offset) *
                 np.maximum(0., yy2 - yy1 + offset)).astype(np.float32)
        ovr = inter / (area_m + area - inter)
        if method == 0:
            weight = np.where(ovr >= iou_threshold, 0., 1.)
        elif method == 1:
            weight = np.where(ovr >= iou_threshold, 1. - ovr, 1.)
        else:
            weight = np.exp(-(ovr * ovr) / sigma)
        s = (s * weight).astype(np.float32)
        alive = s >= min_score
        b, s, idx, area = b[alive], s[alive], idx[alive], area[alive]
    return np.asarray(sel, np.int64)


def softnms(boxes: torch.Tensor, scores: torch.Tensor, dets: torch.Tensor,
            iou_threshold: float, sigma: float, min_score: float,
            method: int, offset: int) -> torch.Tensor:
    """mmcv's ``softnms_cpu``: fills ``dets`` (N, 5) in place, returns the
    indices (K, ) int64 of the survivors in selection order.

    ``method``: 0 naive (hard) NMS, 1 linear, 2 Gaussian. Boxes whose
    rescored score falls below ``min_score`` are dropped.
    """
    if method not in (0, 1, 2):
        raise ValueError(f'softnms: unknown method {method} (0 naive, '
                         '1 linear, 2 gaussian)')
    n = boxes.size(0)
    if n == 0:
        return torch.zeros((0, ), dtype=torch.long)
    b = np.ascontiguousarray(boxes.detach().cpu().float().numpy())
    s = np.ascontiguousarray(scores.detach().cpu().float().numpy())
    out = np.zeros((n, 5), np.float32)
    run = _softnms_jit if _softnms_jit is not None else _softnms_numpy
    sel = run(b, s, out, np.float32(iou_threshold), np.float32(sigma),
              np.float32(min_score), int(method), np.float32(offset))
    dets.copy_(torch.from_numpy(out).to(dets))
    return torch.as_tensor(np.asarray(sel, np.int64))


def _roi_align_ops(pool_mode: int):
    """torchvision's ops for RoIAlign with ``pool_mode`` (1: average)."""
    if pool_mode != 1:
        raise NotImplementedError(
            'mmcv_ext_torchvision: roi_align with pool_mode max is not '
            'available (torchvision pools by average only)')
    tv = _torchvision()
    if tv is None:
        raise NotImplementedError(
            'mmcv_ext_torchvision: roi_align needs torchvision')
    return tv


def roi_align_forward(input: torch.Tensor, rois: torch.Tensor,
                      output: torch.Tensor, argmax_y: torch.Tensor,
                      argmax_x: torch.Tensor, aligned_height: int,
                      aligned_width: int, spatial_scale: float,
                      sampling_ratio: int, pool_mode: int,
                      aligned: bool) -> None:
    """Writes RoIAlign of ``input`` (B, C, H, W) over ``rois`` (K, 5) into
    ``output`` (K, C, aligned_height, aligned_width)."""
    tv = _roi_align_ops(pool_mode)
    output.copy_(
        tv.roi_align(input, rois.to(input.dtype), float(spatial_scale),
                     int(aligned_height), int(aligned_width),
                     int(sampling_ratio), bool(aligned)))


def roi_align_backward(grad_output: torch.Tensor, rois: torch.Tensor,
                       argmax_y: torch.Tensor, argmax_x: torch.Tensor,
                       grad_input: torch.Tensor, aligned_height: int,
                       aligned_width: int, spatial_scale: float,
                       sampling_ratio: int, pool_mode: int,
                       aligned: bool) -> None:
    """Writes the gradient (B, C, H, W) of :func:`roi_align_forward` into
    ``grad_input``."""
    tv = _roi_align_ops(pool_mode)
    b, c, h, w = grad_input.shape
    grad_input.copy_(
        tv._roi_align_backward(grad_output, rois.to(grad_output.dtype),
                               float(spatial_scale), int(aligned_height),
                               int(aligned_width), b, c, h, w,
                               int(sampling_ratio), bool(aligned)))


def _missing(name: str) -> Callable:

    def op(*args, **kwargs):
        raise NotImplementedError(
            f'mmcv op {name!r} is not available: mmcv runs without its '
            'compiled ops here (tools/misc/mmcv_ext_torchvision.py provides '
            'nms, softnms and roi_align only)')

    op.__name__ = name
    return op


def __getattr__(name: str) -> Callable:
    if name.startswith('__'):
        raise AttributeError(name)
    return _missing(name)
