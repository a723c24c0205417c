# Copyright (c) mmsniper contributors. All rights reserved.
"""One image in, detections out: single-scale, SNIPER multi-scale and
AutoFocus inference from Python.

Example:
    >>> from mmsniper.apis import init_sniper_detector, inference_autofocus
    >>> model = init_sniper_detector(
    ...     'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_'
    ...     'synthetic.py', 'epoch_4.pth', mode='autofocus')
    >>> result = inference_autofocus(model, 'image.jpg')  # DetDataSample
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
import copy
import os
import os.path as osp
from pathlib import Path
from typing import Optional, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from .test_mode import apply_test_mode

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


def _dataset_meta(cfg: Config, checkpoint: Optional[dict]) -> dict:
    meta = (checkpoint or {}).get('meta', {}).get('dataset_meta', None)
    if meta:
        return {k.lower(): v for k, v in meta.items()}
    from mmdet.registry import DATASETS
    ds = cfg.test_dataloader.dataset
    while 'dataset' in ds and 'type' not in ds:
        ds = ds['dataset']
    try:
        cls = DATASETS.get(ds['type'])
        return copy.deepcopy(dict(cls.METAINFO))
    except Exception:  # noqa: BLE001 - fall back to COCO names
        from mmdet.evaluation import get_classes
        return dict(classes=get_classes('coco'))


def init_sniper_detector(config: Union[str, Path, Config],
                         checkpoint: Optional[str] = None,
                         mode: Optional[str] = None,
                         device: str = 'cpu',
                         cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a detector for inference in ``mode`` and load its weights.

    Args:
        config (str | Path | Config): A training config (e.g. from
            ``configs/autofocus/``).
        checkpoint (str, optional): Weights of the trained detector.
            Defaults to None (random weights).
        mode (str, optional): ``'single'``, ``'sniper'`` or
            ``'autofocus'`` (see :func:`apply_test_mode`). Defaults to the
            config's ``test_mode``, else ``'single'``.
        device (str): Defaults to 'cpu'.
        cfg_options (dict, optional): Config overrides.

    Returns:
        nn.Module: The model in eval mode, with ``cfg`` (the test-mode
        config) and ``dataset_meta``.
    """
    if isinstance(config, (str, Path)):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file not found: {config}')
        cfg = Config.fromfile(config)
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError(f'config must be a path or a Config, got '
                        f'{type(config)}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    backbone = cfg.model.get('backbone', None)
    if backbone is not None and 'init_cfg' in backbone:
        backbone.init_cfg = None  # no pretrained download at inference
    apply_test_mode(cfg, mode)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    from mmdet.registry import MODELS
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    ckpt = None
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint file not found: '
                                    f'{checkpoint}')
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
    model.dataset_meta = _dataset_meta(cfg, ckpt)
    model.cfg = cfg
    model.to(device)
    model.eval()
    return model


def _test_pipeline(cfg: Config) -> Compose:
    ds = cfg.test_dataloader.dataset
    while 'pipeline' not in ds and 'dataset' in ds:
        ds = ds['dataset']
    steps = []
    for t in copy.deepcopy(ds['pipeline']):
        if t['type'] in ('LoadImageFromFile', 'mmdet.LoadImageFromFile'):
            t = dict(type='mmdet.LoadImageFromNDArray')
        elif t['type'] in ('LoadAnnotations', 'mmdet.LoadAnnotations'):
            continue
        steps.append(t)
    return Compose(steps)


@torch.no_grad()
def inference_image(model: nn.Module,
                    image: ImageType,
                    channel_order: str = 'bgr'):
    """Detections of one image with any model from
    :func:`init_sniper_detector` (single, sniper or autofocus mode).

    Args:
        model (nn.Module): From :func:`init_sniper_detector`.
        image (str | Path | np.ndarray): A file or an array (converted by
            :func:`to_bgr8`).
        channel_order (str): Of an array input. Defaults to 'bgr'.

    Returns:
        DetDataSample: ``pred_instances`` in original-image pixels, plus
        (multi-scale modes) ``pixels_processed`` and (AutoFocus)
        ``focus_chips`` and ``pred_focus_map``.
    """
    img = load_image(image, channel_order)
    path = None if isinstance(image, np.ndarray) else os.fspath(image)
    pipeline = _test_pipeline(model.cfg)
    data = pipeline(dict(img=img, img_id=0, img_path=path))
    data = pseudo_collate([data])
    return model.test_step(data)[0]


def inference_autofocus(model: nn.Module,
                        image: ImageType,
                        channel_order: str = 'bgr'):
    """AutoFocus detections of one image (see :func:`inference_image`).

    ``model`` must come from ``init_sniper_detector(..., mode='autofocus')``.
    """
    from ..models.test_time import AutoFocusDetector
    if not isinstance(model, AutoFocusDetector):
        raise TypeError('inference_autofocus needs an AutoFocusDetector; '
                        "build it with init_sniper_detector(config, ckpt, "
                        "mode='autofocus')")
    return inference_image(model, image, channel_order)


def inference_multiscale(model: nn.Module,
                         image: ImageType,
                         channel_order: str = 'bgr'):
    """SNIPER multi-scale detections of one image (see
    :func:`inference_image`); ``model`` from
    ``init_sniper_detector(..., mode='sniper')``."""
    from ..models.test_time import SniperMultiScaleTTA
    if not isinstance(model, SniperMultiScaleTTA):
        raise TypeError('inference_multiscale needs a SniperMultiScaleTTA; '
                        "build it with init_sniper_detector(config, ckpt, "
                        "mode='sniper')")
    return inference_image(model, image, channel_order)


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
