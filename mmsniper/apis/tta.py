# Copyright (c) mmsniper contributors. All rights reserved.
"""``--tta`` as a function: :func:`tta_config`.

mmdet's ``tools/test.py --tta`` wraps the config's model in its
``tta_model`` and swaps the test pipeline for ``tta_pipeline``; this does
the same (so the demo, the benchmarks and Python code select the SNIPER
pyramid or AutoFocus exactly as ``--tta`` does), writes the config's
``sniper`` block into the wrapper as a runner would, and names what is
wrong when it cannot:

- neither: no ``tta_model`` / ``tta_pipeline`` (mmdet would silently fall
  back to a flip TTA); the error points to ``configs/_base_/tta/*.py``;
- both: the config's ``model`` already is a test-time wrapper (a
  ``*_autofocus-test.py`` / ``*_pyramid-test.py`` leaf config), which
  ``--tta`` would wrap a second time.

Example:
    >>> from mmdet.apis import init_detector
    >>> from mmengine.config import Config
    >>> cfg = tta_config(Config.fromfile(
    ...     'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_'
    ...     'synthetic.py'))
    >>> model = init_detector(cfg, 'epoch_4.pth', device='cpu')
    >>> type(model).__name__
    'AutoFocusDetector'
"""
import copy

from mmengine.config import Config, ConfigDict

from ..utils.config_types import type_name

#: Test-time wrapper types (a config's ``model`` of one of these types is
#: already a test-time model).
WRAPPER_TYPES = ('SniperMultiScaleTTA', 'AutoFocusDetector',
                 'OracleAutoFocusDetector', 'DetTTAModel')
#: This project's wrappers: they take the empty ``backbone`` stub that
#: ``mmdet.apis.init_detector`` reads (mmdet's ``DetTTAModel`` does not).
STUB_TYPES = ('SniperMultiScaleTTA', 'AutoFocusDetector',
              'OracleAutoFocusDetector')


def is_tta_model(model_cfg: dict) -> bool:
    """Whether a model config dict is a test-time wrapper.

    Args:
        model_cfg (dict): A ``model`` / ``tta_model`` config dict.

    Returns:
        bool: Its type is one of :data:`WRAPPER_TYPES`.
    """
    return type_name(model_cfg) in WRAPPER_TYPES


def tta_config(cfg: Config, where: str = '--tta') -> Config:
    """A copy of ``cfg`` whose model is ``tta_model`` around ``cfg.model``
    and whose test pipeline is ``tta_pipeline`` (mmdet's ``--tta``).

    The copy's ``sniper`` block is resolved
    (:func:`~mmsniper.engine.resolve_sniper_block`: test scales, ranges and
    budgets written into the wrapper, as the runner does), and this
    project's wrappers get the empty ``backbone`` stub, so the result works
    with ``mmdet.apis.init_detector`` as well as with a runner.

    Args:
        cfg (Config): A training config with ``tta_model`` and
            ``tta_pipeline``.
        where (str): Named in the errors. Defaults to '--tta'.

    Returns:
        Config: The test-time config (``cfg`` is left unchanged).

    Raises:
        ValueError: ``cfg`` has no ``tta_model`` or ``tta_pipeline``, its
            ``model`` already is a test-time wrapper, or its ``sniper``
            block contradicts the wrapper.
        KeyError: An unknown key in the ``sniper`` block.
    """
    from ..engine.sniper_block import resolve_sniper_block
    if is_tta_model(cfg.model):
        raise ValueError(
            f'{where}: the config\'s model already is a test-time wrapper '
            f'({type_name(cfg.model)}, a *_autofocus-test.py or '
            '*_pyramid-test.py config): test it without --tta, or pass the '
            'training config with --tta')
    missing = [k for k in ('tta_model', 'tta_pipeline') if k not in cfg]
    if missing:
        raise ValueError(
            f'{where} needs tta_model and tta_pipeline in the config; it '
            f'has no {" and no ".join(missing)}. Add the SNIPER pyramid '
            "(_base_ += ['../_base_/tta/sniper_pyramid.py'], "
            'configs/_base_/tta/sniper_pyramid.py) or AutoFocus '
            '(configs/_base_/tta/autofocus.py), or use a shipped '
            '*_pyramid-test.py / *_autofocus-test.py config')
    cfg = copy.deepcopy(cfg)
    model = ConfigDict(**cfg.tta_model, module=cfg.model)
    if type_name(model) in STUB_TYPES and 'backbone' not in model:
        model.backbone = ConfigDict()
    cfg.model = model
    cfg.test_dataloader.dataset.pipeline = copy.deepcopy(cfg.tta_pipeline)
    resolve_sniper_block(cfg)
    return cfg
