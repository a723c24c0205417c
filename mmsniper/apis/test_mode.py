# Copyright (c) mmsniper contributors. All rights reserved.
"""Switch a config between single-scale, SNIPER multi-scale and AutoFocus
inference (``tools/test.py --mode``, the demo and the Python API).

``apply_test_mode(cfg, 'sniper' | 'autofocus')`` wraps ``cfg.model``
(the trained detector) in the test-time detector of the config's
``sniper_test_model`` / ``autofocus_test_model`` dict, or, if the config has
none, in one with the spec's COCO defaults; swaps the test pipeline for
``multiscale_test_pipeline`` (or the config's test pipeline without its
resizing steps) and adds :class:`~mmsniper.evaluation.ProcessedPixelsMetric`
to the test evaluator. A config may also choose the mode itself with
``test_mode = 'autofocus'``; the command-line flag wins. The config's
``sniper`` block (test scales, valid ranges, budgets) is resolved into the
wrapper (:func:`~mmsniper.engine.resolve_sniper_block`).
"""
import copy
from typing import List, Optional

from mmengine.config import Config, ConfigDict

from ..engine.sniper_block import resolve_sniper_block

TEST_MODES = ('single', 'sniper', 'autofocus')
_WRAPPERS = dict(
    sniper=('sniper_test_model', 'SniperMultiScaleTTA'),
    autofocus=('autofocus_test_model', 'AutoFocusDetector'))
#: Transforms that change the image geometry; the multi-scale modes need the
#: original image and drop them from a derived pipeline.
_GEOMETRIC = ('Resize', 'RandomResize', 'RandomChoiceResize', 'Pad',
              'FixShapeResize', 'RandomFlip', 'RandomCrop', 'TestTimeAug',
              'MultiScaleFlipAug')


def multiscale_pipeline(pipeline: List[dict]) -> List[dict]:
    """The test pipeline without resizing/padding/flip steps, keeping the
    original image (the wrappers resize per scale)."""
    out = []
    for t in pipeline:
        if t.get('type') in _GEOMETRIC:
            continue
        t = copy.deepcopy(t)
        if t.get('type') == 'PackDetInputs' and 'meta_keys' in t:
            t['meta_keys'] = tuple(
                k for k in t['meta_keys']
                if k not in ('scale_factor', 'flip', 'flip_direction'))
        out.append(t)
    return out


def _leaf_dataset(ds: dict) -> dict:
    while 'pipeline' not in ds and 'dataset' in ds:
        ds = ds['dataset']
    return ds


def _add_metric(cfg: Config, metric: dict) -> None:
    ev = cfg.get('test_evaluator', None)
    if ev is None:
        return
    if isinstance(ev, dict):
        ev = [ev]
    ev = list(ev)
    if not any(m.get('type') == metric['type'] for m in ev):
        ev.append(metric)
    cfg.test_evaluator = ev


def resolve_test_mode(cfg: Config, mode: Optional[str] = None) -> str:
    """The flag if given, else ``cfg.test_mode``, else ``'single'``."""
    mode = mode or cfg.get('test_mode', None) or 'single'
    if mode not in TEST_MODES:
        raise ValueError(f'test mode must be one of {TEST_MODES}, got '
                         f'{mode!r}')
    return mode


def apply_test_mode(cfg: Config, mode: Optional[str] = None) -> Config:
    """Set up ``cfg`` (in place) for testing in ``mode``.

    Args:
        cfg (Config): A config whose ``model`` is the trained detector.
        mode (str, optional): ``'single'``, ``'sniper'`` or
            ``'autofocus'``. Defaults to ``cfg.test_mode`` or ``'single'``.

    Returns:
        Config: ``cfg``, with its ``sniper`` block resolved.

    Raises:
        ValueError: For an unknown mode, ``'autofocus'`` with a detector
            config that has no ``focus_head``, or a ``sniper`` block that
            the config contradicts.
        KeyError: For an unknown key of the ``sniper`` block.
    """
    mode = resolve_test_mode(cfg, mode)
    cfg.test_mode = mode
    if mode == 'single':
        return resolve_sniper_block(cfg)
    key, wrapper_type = _WRAPPERS[mode]
    if cfg.model.get('type') in ('SniperMultiScaleTTA', 'AutoFocusDetector'):
        raise ValueError(f'the config model is already a '
                         f'{cfg.model.type}; --mode wraps a plain detector')
    if mode == 'autofocus' and 'focus_head' not in cfg.model:
        raise ValueError(
            '--mode autofocus needs a detector with a FocusPixel head '
            '(model.focus_head, e.g. FocusFasterRCNN); '
            f'{cfg.model.get("type")} has none. Use a config from '
            'configs/autofocus/')
    wrapper = copy.deepcopy(cfg.get(key, None) or dict(type=wrapper_type))
    wrapper = ConfigDict(wrapper)
    wrapper.pop('detector', None)
    cfg.model = ConfigDict(**wrapper, detector=cfg.model)
    pipeline = cfg.get('multiscale_test_pipeline', None)
    ds = _leaf_dataset(cfg.test_dataloader.dataset)
    if pipeline is None:
        pipeline = multiscale_pipeline(ds['pipeline'])
    ds['pipeline'] = copy.deepcopy(pipeline)
    _add_metric(cfg, dict(type='ProcessedPixelsMetric'))
    return resolve_sniper_block(cfg)
