# Copyright (c) mmsniper contributors. All rights reserved.
"""Images in, detections out, with mmdet's own API.

A model for any test-time choice comes from mmdet's ``init_detector``: a
training config gives the detector at one scale, a test-time leaf config
(``*_pyramid-test.py``, ``*_autofocus-test.py``) or
``tta_config(Config.fromfile(training_config))`` the SNIPER pyramid or
AutoFocus. mmdet's ``inference_detector`` (or ``DetInferencer``) runs it;
:func:`inference_image` is the same call after converting unusual inputs.
The checkpoint is the training checkpoint in every case (the detector's
``state_dict``; mmengine loads it into a wrapper's ``module``); AutoFocus
needs one with FocusPixel head weights (``focus_head.*``, a
``configs/autofocus/`` model) and raises ``RuntimeError`` otherwise.

Example:
    >>> from mmdet.apis import init_detector
    >>> from mmsniper.apis import inference_image, result_to_dict
    >>> model = init_detector(
    ...     'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_'
    ...     'synthetic_autofocus-test.py', 'epoch_4.pth', device='cpu')
    >>> result = inference_image(model, 'image.jpg')  # DetDataSample
    >>> result.pred_instances.bboxes  # (N, 4) original-image pixels
    >>> result.pixels_processed, result.focus_chips
    >>> det = result_to_dict(result)  # numpy arrays

Input images (:func:`load_image`, :func:`to_bgr8`) are converted to 8-bit,
3-channel BGR with the rules of OpenCV's ``imread(IMREAD_COLOR)``, so that a
file and the same pixels given as an array give the same detections as the
dataset pipeline (``LoadImageFromFile``):

- grayscale ``(H, W)`` or ``(H, W, 1)``: replicated to 3 channels;
- 4 channels (BGRA / RGBA): the alpha channel is dropped (not composited);
- ``uint16`` (and other integer types wider than 8 bits): the 8 most
  significant bits, ``value >> 8`` (``uint16`` 65535 -> 255);
- floating point: ``[0, 1]`` when the maximum is <= 1 (scaled by 255),
  otherwise taken as ``[0, 255]``; clipped and rounded; NaN -> 0;
- bool: ``True`` -> 255.

Arrays are BGR (OpenCV order, as mmdet's ``inference_detector``) unless
``channel_order='rgb'``. A missing file raises ``FileNotFoundError``, a
folder ``IsADirectoryError`` (also a ``FileNotFoundError``, for callers that
catch that) and an undecodable file ``ValueError``, all naming the path.
"""
import os
import os.path as osp
from pathlib import Path
from typing import List, Sequence, Union

import cv2
import numpy as np
import torch
import torch.nn as nn

ImageType = Union[str, Path, np.ndarray]


def to_bgr8(img: np.ndarray, channel_order: str = 'bgr') -> np.ndarray:
    """Convert an image array to ``(H, W, 3)`` uint8 BGR (rules in the
    module docstring).

    Args:
        img (np.ndarray): ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or
            ``(H, W, 4)``, any numeric dtype.
        channel_order (str): ``'bgr'`` or ``'rgb'`` for 3/4-channel input.
            Defaults to 'bgr'.

    Returns:
        np.ndarray: Contiguous ``(H, W, 3)`` uint8 BGR.

    Raises:
        ValueError: For an unsupported shape, dtype or empty image.
    """
    if channel_order not in ('bgr', 'rgb'):
        raise ValueError(f"channel_order must be 'bgr' or 'rgb', got "
                         f'{channel_order!r}')
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim not in (2, 3) or (img.ndim == 3
                                  and img.shape[2] not in (3, 4)):
        raise ValueError(f'unsupported image shape {img.shape}: expected '
                         '(H, W), (H, W, 1), (H, W, 3) or (H, W, 4)')
    if img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f'empty image of shape {img.shape}')
    if img.dtype == np.bool_:
        img = img.astype(np.uint8) * 255
    elif img.dtype == np.uint8:
        pass
    elif np.issubdtype(img.dtype, np.integer):
        bits = 8 * img.dtype.itemsize
        img = np.clip(img.astype(np.int64) >> (bits - 8) if bits > 8 else
                      img, 0, 255).astype(np.uint8)
    elif np.issubdtype(img.dtype, np.floating):
        f = np.nan_to_num(img.astype(np.float64), nan=0.0)
        if f.size and np.nanmax(f) <= 1.0:
            f = f * 255.0
        img = np.clip(np.round(f), 0, 255).astype(np.uint8)
    else:
        raise ValueError(f'unsupported image dtype {img.dtype}')
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    img = img[..., :3]
    if channel_order == 'rgb':
        img = img[..., ::-1]
    return np.ascontiguousarray(img)


class _ImagePathIsADirectory(IsADirectoryError, FileNotFoundError):
    """An image path that is a folder: an ``IsADirectoryError`` that code
    catching ``FileNotFoundError`` (no image file there) still catches."""


def load_image(image: ImageType, channel_order: str = 'bgr') -> np.ndarray:
    """Read a file (any OpenCV format, 8/16-bit, gray/color/alpha) or take
    an array, and return ``(H, W, 3)`` uint8 BGR.

    Raises:
        FileNotFoundError: ``image file not found: PATH``.
        IsADirectoryError: ``image path is a directory, not a file: PATH``
            (a ``FileNotFoundError`` as well).
        ValueError: ``cannot decode image file PATH ...`` for a corrupted
            or non-image file.
    """
    if isinstance(image, np.ndarray):
        return to_bgr8(image, channel_order)
    path = os.fspath(image)
    if osp.isdir(path):
        raise _ImagePathIsADirectory(
            f'image path is a directory, not a file: {path}')
    if not osp.isfile(path):
        raise FileNotFoundError(f'image file not found: {path}')
    data = np.fromfile(path, dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if img is None:
        raise ValueError(f'cannot decode image file {path} (corrupted, '
                         'truncated or not an image)')
    # OpenCV decodes to BGR(A) order
    return to_bgr8(img, 'bgr')


@torch.no_grad()
def inference_image(model: nn.Module,
                    images: Union[ImageType, Sequence[ImageType]],
                    channel_order: str = 'bgr'):
    """mmdet's ``inference_detector`` on images converted by
    :func:`load_image` (files of any depth/channels, or arrays).

    Args:
        model (nn.Module): From ``mmdet.apis.init_detector`` (a detector,
            or a test-time wrapper of a ``*-test.py`` config).
        images (str | Path | np.ndarray | list): One image or a list.
        channel_order (str): ``'bgr'`` or ``'rgb'``, of array inputs
            (files are decoded as BGR). Defaults to 'bgr'.

    Returns:
        DetDataSample | list[DetDataSample]: ``pred_instances`` in
        original-image pixels, plus (test-time wrappers)
        ``pixels_processed``, ``pixels_per_scale``, ``full_pyramid_pixels``
        and (AutoFocus) ``focus_chips`` and ``pred_focus_map``.

    Raises:
        TypeError: ``model`` has no ``cfg`` (not from ``init_detector``).
        FileNotFoundError: A missing image file (``ValueError`` for an
            undecodable one).
    """
    from mmdet.apis import inference_detector
    if not hasattr(model, 'cfg'):
        raise TypeError('inference_image needs a model from '
                        'mmdet.apis.init_detector (it reads model.cfg)')
    single = not isinstance(images, (list, tuple))
    batch: List[np.ndarray] = [
        load_image(img, channel_order)
        for img in ([images] if single else images)
    ]
    results = inference_detector(model, batch)
    return results[0] if single else results


def result_to_dict(result) -> dict:
    """A prediction as plain numpy: ``bboxes`` (N, 4) float32 xyxy,
    ``scores`` (N,), ``labels`` (N,) int64, and when present
    ``pixels_processed``, ``pixels_per_scale``, ``focus_chips`` (list of
    (K, 4)) and ``focus_map`` (h, w)."""
    inst = result.pred_instances
    bboxes = inst.bboxes
    if hasattr(bboxes, 'tensor'):
        bboxes = bboxes.tensor
    out = dict(
        bboxes=bboxes.detach().cpu().numpy().astype(np.float32),
        scores=inst.scores.detach().cpu().numpy().astype(np.float32),
        labels=inst.labels.detach().cpu().numpy().astype(np.int64))
    for key in ('pixels_processed', 'pixels_per_scale', 'full_pyramid_pixels',
                'focus_chips', 'scale_factors'):
        if key in result:
            out[key] = result.get(key)
    if 'pred_focus_map' in result:
        out['focus_map'] = result.pred_focus_map.prob[0].detach().cpu(
        ).numpy()
    return out
