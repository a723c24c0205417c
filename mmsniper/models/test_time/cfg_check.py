# Copyright (c) mmsniper contributors. All rights reserved.
"""Checks of the test-time settings: scale order, and the wrappers' own
arguments (``module`` not a wrapper, an empty ``backbone``). The valid
ranges are checked by :func:`mmsniper.chips.valid_ranges.check_valid_ranges`.

Unknown keys (a typo in ``tta_cfg`` / ``autofocus_cfg`` / a focus
transition, otherwise ignored silently) raise in
:func:`mmsniper.utils.checks.check_keys`, with the closest valid key.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
from mmengine.model import BaseTTAModel

from ...chips.scales import parse_scale, scale_factor


#: The image shape at which scale specs of different kinds (a factor and a
#: long-side target) are compared; specs of one kind compare on any image.
REFERENCE_SHAPE: Tuple[int, int] = (3000, 4000)


def _wrong_way(a: float, b: float, coarse_to_fine: bool) -> bool:
    """``b`` after ``a`` goes the wrong way (with a relative tolerance)."""
    if coarse_to_fine:
        return b < a * (1 - 1e-6)
    return b > a * (1 + 1e-6)


def check_scale_order(scales: Sequence, coarse_to_fine: bool,
                      where: str) -> None:
    """Raise ``ValueError`` when ``scales`` are not ordered.

    Every spec must parse (:func:`~mmsniper.chips.scales.parse_scale`).
    Adjacent specs must not go the wrong way: ``[512, 1.5, 0.75]`` is not
    coarse to fine. Specs of one kind (two factors, two long-side targets)
    are compared directly. Two ``(short, max_long)`` pairs go the wrong way
    when one side does and the other does not go the right way (e.g.
    ``(800, 1280)`` before ``(480, 1280)`` coarse to fine); when the sides
    disagree (``(480, 2000)`` then ``(800, 1280)``), and between specs of
    different kinds, whose order depends on the image, the factors are
    compared at :data:`REFERENCE_SHAPE`. Equal scales are allowed; the
    wrappers still clamp per image (an image smaller than a long-side
    target).

    Args:
        scales (Sequence): Scale specs.
        coarse_to_fine (bool): The order wanted (AutoFocus: True;
            SNIPER's pyramid: finest first, False).
        where (str): Named in the message.

    Raises:
        ValueError: Naming the two specs out of order.
    """
    if len(scales) == 0:
        raise ValueError(f'{where}: give at least one scale')
    parsed = [parse_scale(spec) for spec in scales]
    order = 'coarse to fine' if coarse_to_fine else 'finest first'
    for k in range(len(scales) - 1):
        (ka, a1, a2), (kb, b1, b2) = parsed[k], parsed[k + 1]
        if ka == kb == 'short':
            wrong_sides = [_wrong_way(a1, b1, coarse_to_fine),
                           _wrong_way(a2, b2, coarse_to_fine)]
            right_sides = [_wrong_way(b1, a1, coarse_to_fine),
                           _wrong_way(b2, a2, coarse_to_fine)]
            if any(wrong_sides) and any(right_sides):
                wrong = _wrong_way(
                    scale_factor(scales[k], REFERENCE_SHAPE),
                    scale_factor(scales[k + 1], REFERENCE_SHAPE),
                    coarse_to_fine)
            else:
                wrong = any(wrong_sides)
        elif ka == kb:
            wrong = _wrong_way(a1, b1, coarse_to_fine)
        else:
            wrong = _wrong_way(
                scale_factor(scales[k], REFERENCE_SHAPE),
                scale_factor(scales[k + 1], REFERENCE_SHAPE), coarse_to_fine)
        if wrong:
            raise ValueError(
                f'{where}: scales {list(scales)} are not ordered {order}: '
                f'{scales[k]!r} comes before {scales[k + 1]!r}')


#: Type names of test-time wrappers (mmdet's and this project's): a wrapper's
#: ``module`` must not be one of them.
WRAPPER_TYPES = ('SniperMultiScaleTTA', 'AutoFocusDetector', 'DetTTAModel',
                 'BaseTTAModel')


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
