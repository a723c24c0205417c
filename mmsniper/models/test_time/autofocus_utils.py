# Copyright (c) mmsniper contributors. All rights reserved.
"""Helpers of :class:`~mmsniper.models.test_time.AutoFocusDetector`: the
FocusChips of a map clipped to the image (:func:`clip_chips`), the error of
a detector without a FocusPixel head (:func:`no_focus_head_error`) and the
load pre-hook that refuses a checkpoint without FocusPixel head weights
(:func:`require_focus_weights`)."""
import numpy as np

#: Chip edges closer than ``max(SNAP_PX, 1e-6 * image side)`` original px
#: to the image border are put on it (float32 round trips of FocusChips
#: through a factor).
SNAP_PX = 1e-3


def clip_chips(chips: np.ndarray, img_shape, min_side: float = 1.
               ) -> np.ndarray:
    """Clip chips to the image and drop the thin ones.

    Args:
        chips (np.ndarray): ``(K, 4)`` x1y1x2y2, original px.
        img_shape (tuple[int, int]): ``(H, W)``.
        min_side (float): Chips thinner than this (original px) are
            dropped. Defaults to 1.

    Returns:
        np.ndarray: float64 ``(K', 4)``; edges within :data:`SNAP_PX` (or
        1e-6 of the image side) of the image border lie on it (so that a
        chip of the whole image is one, for ``chip_out_size`` and
        ``border_prune``).
    """
    h, w = img_shape
    chips = np.asarray(chips, dtype=np.float64).reshape(-1, 4).copy()
    tol = max(SNAP_PX, 1e-6 * max(h, w))
    chips[np.abs(chips) < tol] = 0.
    xs, ys = chips[:, 0::2], chips[:, 1::2]  # views
    xs[np.abs(xs - w) < tol] = w
    ys[np.abs(ys - h) < tol] = h
    chips[:, 0::2] = chips[:, 0::2].clip(0, w)
    chips[:, 1::2] = chips[:, 1::2].clip(0, h)
    keep = ((chips[:, 2] - chips[:, 0]) >= min_side) & (
        (chips[:, 3] - chips[:, 1]) >= min_side)
    return chips[keep]


def require_focus_weights(module, state_dict: dict, prefix: str,
                          *args) -> None:
    """Load pre-hook of the FocusPixel head (``torch.nn.Module.
    _register_load_state_dict_pre_hook(..., with_module=True)``): a
    checkpoint without its weights would run AutoFocus with a random head
    (mAP ~0).

    Args:
        module (nn.Module): The FocusPixel head.
        state_dict (dict): The state dict being loaded.
        prefix (str): The head's key prefix in it (``'focus_head.'``).

    Raises:
        RuntimeError: No key of ``state_dict`` starts with ``prefix``.
    """
    if not any(k.startswith(prefix) for k in state_dict):
        raise RuntimeError(
            f'the checkpoint has no FocusPixel head weights ({prefix}*): '
            'AutoFocus would pick its chips with a random head. Load a '
            'model trained with a FocusPixel head (configs/autofocus/), or '
            'test a SNIPER checkpoint with the full pyramid (tta_model of '
            'configs/_base_/tta/sniper_pyramid.py)')


def no_focus_head_error(detector) -> ValueError:
    """The error of an AutoFocus wrapper around ``detector``, which has no
    ``focus_head``: names the detector and its registered FocusPixel twin
    (``RetinaNet`` -> ``FocusRetinaNet``) when there is one."""
    from mmdet.registry import MODELS
    name = type(detector).__name__
    twin = f'Focus{name}'
    try:
        known = MODELS.get(twin) is not None
    except Exception:  # noqa: BLE001 - a registry lookup error: no twin
        known = False
    use = (f'use {twin} (the same detector with a FocusPixel head)'
           if known else 'use FocusFasterRCNN, FocusMaskRCNN, '
           'FocusRetinaNet or FocusATSS')
    return ValueError(
        'AutoFocusDetector needs a detector with a FocusPixel head '
        f'(module.focus_head), got {name}, which has none: its FocusPixel '
        'maps choose the FocusChips. '
        f'{use}, trained with a configs/autofocus/*.py config, or test '
        f'{name} with the full pyramid (SniperMultiScaleTTA)')
