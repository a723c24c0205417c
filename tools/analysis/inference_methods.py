"""The methods of tools/analysis/benchmark_inference.py: single scale, the
SNIPER pyramid, AutoFocus operating points, oracle FocusPixels and SAHI,
each a function from a BGR image to detections (:data:`Dets`)."""
import argparse
import copy
import json
import os.path as osp
import sys
from typing import Callable, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config, ConfigDict

from mmsniper.utils.config_types import type_name

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from inference_samples import predict_sample  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The SNIPER pyramid used when the config's ``tta_model`` is not one.
PYRAMID_BASE = osp.join(REPO, 'configs', '_base_', 'tta', 'sniper_pyramid.py')

#: What a method returns for one image: boxes ``(N, 4)`` xyxy, scores
#: ``(N,)``, labels ``(N,)``, pixels processed, pixels per scale.
Dets = Tuple[np.ndarray, np.ndarray, np.ndarray, int, List[int]]


class Method:
    """A named way to get detections of one BGR image ``(H, W, 3)``."""

    def __init__(self, name: str, fn: Callable[[np.ndarray], Dets],
                 group: str, needs_gt: bool = False,
                 point: Optional[str] = None) -> None:
        self.name, self.fn, self.group = name, fn, group
        self.needs_gt = needs_gt
        self.point = point  # the --af-points value of an AutoFocus point
        self.dets: List[dict] = []
        self.ms: List[float] = []
        self.pixels: List[int] = []
        self.per_scale: List[List[int]] = []


def _with_block(wrapper: dict, cfg: Config) -> ConfigDict:
    """``wrapper`` with the config's ``sniper`` block written into it (the
    runner's :func:`~mmsniper.engine.resolve_sniper_block`)."""
    from mmsniper.engine import resolve_sniper_block
    tmp = Config(dict(model=copy.deepcopy(wrapper)))
    if cfg.get('sniper', None) is not None:
        tmp.sniper = copy.deepcopy(cfg.sniper)
    return resolve_sniper_block(tmp).model


def pyramid_wrapper_cfg(cfg: Config) -> ConfigDict:
    """The full-pyramid wrapper of ``cfg`` (resolved, without ``module``).

    Args:
        cfg (Config): The (resolved) training config.

    Returns:
        ConfigDict: Its ``tta_model`` when that is a
        ``SniperMultiScaleTTA``, else the ``tta_model`` of
        :data:`PYRAMID_BASE` with the ``sniper`` block's test scales,
        ranges and budgets.
    """
    tta = cfg.get('tta_model', None)
    if tta is not None and type_name(tta) == 'SniperMultiScaleTTA':
        return _with_block(tta, cfg)
    return _with_block(Config.fromfile(PYRAMID_BASE).tta_model, cfg)


def autofocus_wrapper_cfg(cfg: Config) -> ConfigDict:
    """The ``AutoFocusDetector`` of ``cfg``: its ``tta_model``, else its
    ``autofocus_tta_model`` (resolved, without ``module``).

    Raises:
        ValueError: When neither is an ``AutoFocusDetector``.
    """
    for key in ('tta_model', 'autofocus_tta_model'):
        wrapper = cfg.get(key, None)
        if wrapper is not None and type_name(wrapper) == 'AutoFocusDetector':
            return _with_block(wrapper, cfg)
    raise ValueError(
        '--methods autofocus: the config has no AutoFocusDetector in '
        "tta_model or autofocus_tta_model; add '../_base_/tta/autofocus.py' "
        'to its _base_ (configs/autofocus/*.py have it) or drop autofocus '
        'from --methods')


def _build(wrapper: dict, detector: torch.nn.Module) -> torch.nn.Module:
    """A wrapper config dict built around the loaded ``detector``."""
    from mmdet.registry import MODELS
    wcfg = wrapper.to_dict() if isinstance(wrapper, ConfigDict) else dict(
        wrapper)
    wcfg['module'] = detector
    return MODELS.build(wcfg).eval()


def _wrapper_fn(model: torch.nn.Module,
                device: torch.device) -> Callable[[np.ndarray], Dets]:
    """Detections of a BGR ``(H, W, 3)`` uint8 image with a test-time
    wrapper (:func:`predict_sample`; ``gt``, ``(N, 4)`` xyxy, goes into the
    sample for the oracle)."""

    def run(img: np.ndarray, gt: Optional[np.ndarray] = None) -> Dets:
        res = predict_sample(model, img, gt, device)
        inst = res.pred_instances
        return (inst.bboxes.cpu().numpy(), inst.scores.cpu().numpy(),
                inst.labels.cpu().numpy(), int(res.pixels_processed),
                list(res.pixels_per_scale))

    return run


def _sahi_fn(detector: torch.nn.Module, classes: List[str],
             args: argparse.Namespace) -> Callable[[np.ndarray], Dets]:
    from sahi.predict import get_sliced_prediction

    from mmsniper.apis.sahi_adapter import SahiDetectorModel
    sahi_model = SahiDetectorModel(
        detector, classes, input_size=args.sahi_input,
        confidence_threshold=args.sahi_conf,
        rpn_budget=args.rpn_budget, det_budget=args.det_budget)

    def run(img: np.ndarray, gt: Optional[np.ndarray] = None) -> Dets:
        sahi_model.pixels = 0
        res = get_sliced_prediction(
            np.ascontiguousarray(img[..., ::-1]),  # SAHI works in RGB
            sahi_model,
            slice_height=args.sahi_slice,
            slice_width=args.sahi_slice,
            overlap_height_ratio=args.sahi_overlap,
            overlap_width_ratio=args.sahi_overlap,
            verbose=0)
        preds = res.object_prediction_list
        bboxes = np.array([p.bbox.to_xyxy() for p in preds],
                          np.float32).reshape(-1, 4)
        scores = np.array([p.score.value for p in preds], np.float32)
        labels = np.array([p.category.id for p in preds], np.int64)
        return bboxes, scores, labels, int(sahi_model.pixels), []

    return run


def af_point(wrapper: dict, point: str) -> Tuple[ConfigDict, str]:
    """``wrapper`` (an ``AutoFocusDetector`` dict) at one ``--af-points``
    operating point, and its description.

    Args:
        wrapper (dict): The config's AutoFocus wrapper.
        point (str): ``config`` or ``t1,t2[,k1,k2[,d1,d2[,coarse]]]``: the
            ``threshold`` (``min_chip_cells``, ``dilation``) of each
            ``autofocus_cfg.focus`` transition and ``autofocus_cfg.scales[0]``
            (long side px).

    Returns:
        tuple[ConfigDict, str]: The wrapper dict and ``coarse S; t=.. k=..
        d=.., ...``.

    Raises:
        ValueError: For a point with the wrong number of values.
    """
    vals = [] if point == 'config' else [float(v) for v in point.split(',')]
    wcfg = copy.deepcopy(wrapper)
    af = wcfg.setdefault('autofocus_cfg', ConfigDict())
    if 'focus' not in af or 'scales' not in af:
        raise ValueError('--af-points needs autofocus_cfg.scales and '
                         'autofocus_cfg.focus in the AutoFocus wrapper of the '
                         'config (configs/_base_/tta/autofocus.py has them)')
    focus = [dict(t) for t in af.focus]
    n = len(focus)
    if len(vals) == 3 * n + 1:  # last: coarse long side (px)
        scales = list(af.scales)
        scales[0] = int(vals.pop())
        af.scales = scales
    if len(vals) not in (0, n, 2 * n, 3 * n):
        raise ValueError(f'--af-points {point}: give {n} thresholds '
                         f'(and optionally {n} min chip sizes, {n} '
                         'dilations and the coarse long side)')
    for i in range(n if vals else 0):
        focus[i]['threshold'] = vals[i]
        if len(vals) >= 2 * n:
            focus[i]['min_chip_cells'] = int(vals[n + i])
        if len(vals) == 3 * n:
            focus[i]['dilation'] = int(vals[2 * n + i])
    af.focus = focus
    desc = f'coarse {af.scales[0]}; ' + ', '.join(
        f"t={f['threshold']:g} k={f['min_chip_cells']} d={f['dilation']}"
        for f in focus)
    return wcfg, desc


def build_methods(args: argparse.Namespace, cfg: Config,
                  detector: torch.nn.Module,
                  classes: List[str]) -> List[Method]:
    """The benchmarked methods, in the order of ``--methods``' choices."""
    device = torch.device(args.device)
    methods = []
    if 'single' in args.methods:
        m = _build(
            dict(type='SniperMultiScaleTTA',
                 tta_cfg=dict(scales=[args.single_scale], valid_ranges=None,
                              nms=None, max_per_img=200,
                              rpn_budget=args.rpn_budget,
                              det_budget=args.det_budget)), detector)
        methods.append(Method(f'single scale (x{args.single_scale:g})',
                              _wrapper_fn(m, device), 'single'))
    if 'pyramid' in args.methods:
        m = _build(pyramid_wrapper_cfg(cfg), detector)
        desc = '/'.join(str(s) for s in m.scales)
        methods.append(Method(f'full pyramid ({desc})',
                              _wrapper_fn(m, device), 'pyramid'))
    if 'autofocus' in args.methods:
        wrapper = autofocus_wrapper_cfg(cfg)
        for point in args.af_points:
            wcfg, desc = af_point(wrapper, point)
            methods.append(Method(f'AutoFocus ({desc})',
                                  _wrapper_fn(_build(wcfg, detector),
                                              device), 'autofocus',
                                  point=point))
    if 'oracle' in args.methods:
        wrapper = copy.deepcopy(autofocus_wrapper_cfg(cfg))
        wrapper['type'] = 'OracleAutoFocusDetector'
        seen = set()
        for point in args.af_points:
            wcfg, desc = af_point(wrapper, point)
            key = json.dumps([wcfg.autofocus_cfg.scales[0]] + [
                (f['min_chip_cells'], f['dilation'])
                for f in wcfg.autofocus_cfg.focus])
            if key in seen:
                continue
            seen.add(key)
            desc = desc.replace('t=', '').split('; ')[0] + '; ' + ', '.join(
                f"k={f['min_chip_cells']} d={f['dilation']}"
                for f in wcfg.autofocus_cfg.focus)
            methods.append(Method(f'oracle FocusPixels ({desc})',
                                  _wrapper_fn(_build(wcfg, detector),
                                              device), 'oracle',
                                  needs_gt=True))
    if 'sahi' in args.methods:
        methods.append(Method(
            f'SAHI ({args.sahi_slice} px slices -> {args.sahi_input} px, '
            f'+ full image)', _sahi_fn(detector, classes, args), 'sahi'))
    return methods
