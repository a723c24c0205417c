# Copyright (c) mmsniper contributors. All rights reserved.
"""Inference benchmark: single scale vs the full SNIPER pyramid vs AutoFocus
vs SAHI sliced inference, with the same trained detector, in one run.

For each method it reports COCO bbox mAP (with AP50 and mAP_s/m/l, computed
with pycocotools on the benchmarked images), milliseconds per image (the
model call on an image already decoded in memory, its move to ``--device``
included; SAHI: its whole ``get_sliced_prediction``) and pixels processed
per image (the resized inputs the detector ran on, padding excluded). The
images are processed in turn by every method (interleaved), so that load
changes on a shared machine hit all methods alike. Writes a json with
everything, a markdown table (stdout) and a speed/accuracy plot.

Methods (``--methods``):

- ``single``: the detector on the whole image at one factor
  (``--single-scale``, default 1.0 = native resolution), through a
  one-scale :class:`~mmsniper.models.SniperMultiScaleTTA` (no valid range,
  no NMS across scales);
- ``pyramid``: the full SNIPER pyramid (per-scale valid ranges, one
  soft-NMS merge): the config's ``tta_model`` when it is a
  ``SniperMultiScaleTTA``, else the ``tta_model`` of
  ``configs/_base_/tta/sniper_pyramid.py`` at the scales and ranges of the
  config's ``sniper`` block (``test_scales``, ``test_valid_ranges``);
- ``autofocus``: the config's ``tta_model`` when it is an
  ``AutoFocusDetector`` (else its ``autofocus_tta_model``, from
  ``configs/_base_/tta/autofocus.py``) at each operating point of
  ``--af-points`` (``t1,t2[,k1,k2[,d1,d2[,coarse]]]``: the ``threshold``
  (and ``min_chip_cells``, ``dilation``) of each ``autofocus_cfg.focus``
  transition, and the coarse scale's long side, ``autofocus_cfg.scales[0]``;
  ``config``: the config's own settings);
- ``oracle``: :class:`~mmsniper.models.OracleAutoFocusDetector`, the
  AutoFocus wrapper with FocusPixel maps painted from the ground truth by
  the head's own label rule, at the ``--af-points`` that differ in chip
  size, dilation or coarse scale (thresholds do not matter for a 0/1 map):
  the ceiling of the approach on the data, with the same chips and merge;
- ``sahi``: SAHI 0.12.8 ``get_sliced_prediction`` with ``--sahi-slice`` px
  slices (overlap 0.2), each slice (and SAHI's full-image "standard
  prediction") resized to ``--sahi-input`` px long side and run through the
  same detector (:class:`mmsniper.apis.sahi_adapter.SahiDetectorModel`).

The wrappers get the trained detector as ``module`` and run it with
``predict_images`` (each image a ``(3, H, W)`` uint8 BGR tensor on
``--device``); single scale and SAHI use the pyramid's proposal and
detection budgets (``tta_cfg.rpn_budget`` / ``det_budget``, boxes per
megapixel). The config must be a training config (its ``model`` the
detector), not a ``*_pyramid-test.py`` / ``*_autofocus-test.py`` leaf
config.

Example::

    python tools/analysis/benchmark_inference.py \
        configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_\
synthetic.py work_dirs/autofocus_syn/epoch_2.pth \
        --data-root data/synthetic/bench --num-images 40 \
        --out work_dirs/benchmark_inference/results.json \
        --plot docs/images/autofocus_benchmark.png
"""
import argparse
import copy
import json
import os
import os.path as osp
import platform
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config, ConfigDict, DictAction

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
from mmsniper.utils.config_types import type_name  # noqa: E402
#: The SNIPER pyramid used when the config's ``tta_model`` is not one.
PYRAMID_BASE = osp.join(REPO, 'configs', '_base_', 'tta', 'sniper_pyramid.py')

#: What a method returns for one image: boxes ``(N, 4)`` xyxy, scores
#: ``(N,)``, labels ``(N,)``, pixels processed, pixels per scale.
Dets = Tuple[np.ndarray, np.ndarray, np.ndarray, int, List[int]]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'config', help='training config of the detector; AutoFocus needs a '
        'FocusPixel head and an AutoFocusDetector tta_model or '
        'autofocus_tta_model (configs/autofocus/*)')
    parser.add_argument('checkpoint', help='trained FocusFasterRCNN')
    parser.add_argument('--data-root', default='data/synthetic/bench')
    parser.add_argument('--split', default='test')
    parser.add_argument(
        '--num-images', type=int, default=40,
        help='first N images of the split (by id); 0 = all')
    parser.add_argument(
        '--methods', nargs='+',
        default=['single', 'pyramid', 'autofocus', 'sahi'],
        choices=['single', 'pyramid', 'autofocus', 'oracle', 'sahi'])
    parser.add_argument('--single-scale', type=float, default=1.0)
    parser.add_argument(
        '--af-points', nargs='+',
        default=['config', '0.4,0.3,6,12,3,3', '0.4,0.5,3,8,3,3',
                 '0.4,0.25,3,4,3,2'],
        help='AutoFocus operating points t1,t2[,k1,k2[,d1,d2[,coarse]]]: '
        'threshold, min chip cells and dilation of each transition, and '
        'the coarse scale (long side px); "config": the config\'s own')
    parser.add_argument('--sahi-slice', type=int, default=512)
    parser.add_argument('--sahi-input', type=int, default=768)
    parser.add_argument('--sahi-overlap', type=float, default=0.2)
    parser.add_argument('--sahi-conf', type=float, default=0.05)
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. '
        'tta_model.autofocus_cfg.scales=[384,0.75,1.5] or '
        'sniper.test_scales=[1.5,0.75,256]')
    parser.add_argument('--threads', type=int, default=0,
                        help='torch threads (0: torch default)')
    parser.add_argument('--device', default='cpu',
                        help='device of the model and the images (cpu, '
                        'cuda:0)')
    parser.add_argument('--out', default='work_dirs/benchmark_inference/'
                        'results.json')
    parser.add_argument('--plot', default=None, help='PNG speed/accuracy plot')
    return parser.parse_args(argv)


class Method:
    """A named way to get detections of one BGR image ``(H, W, 3)``."""

    def __init__(self, name: str, fn: Callable[[np.ndarray], Dets],
                 group: str, needs_gt: bool = False) -> None:
        self.name, self.fn, self.group = name, fn, group
        self.needs_gt = needs_gt
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
    wrapper (``predict_images`` on the image moved to ``device``; ``gt``,
    ``(N, 4)`` xyxy, goes into the sample for the oracle)."""
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    @torch.no_grad()
    def run(img: np.ndarray, gt: Optional[np.ndarray] = None) -> Dets:
        h, w = img.shape[:2]
        sample = DetDataSample(metainfo=dict(ori_shape=(h, w),
                                             img_shape=(h, w)))
        if gt is not None:
            boxes = torch.as_tensor(gt, dtype=torch.float32).reshape(-1, 4)
            sample.gt_instances = InstanceData(
                bboxes=boxes.to(device),
                labels=torch.zeros(len(boxes), dtype=torch.long))
        image = torch.from_numpy(np.ascontiguousarray(img)).permute(
            2, 0, 1).to(device)
        res = model.predict_images([image], [sample])[0]
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
                                              device), 'autofocus'))
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


def coco_eval(ann_file: str, img_ids: List[int], dets: List[dict],
              cat_ids: List[int]) -> Dict[str, float]:
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
        res = [
            dict(image_id=d['image_id'], category_id=cat_ids[d['label']],
                 bbox=d['bbox'], score=d['score']) for d in dets
        ]
        if not res:
            return dict(mAP=0., AP50=0., mAP_s=0., mAP_m=0., mAP_l=0.)
        dt = gt.loadRes(res)
        ev = COCOeval(gt, dt, 'bbox')
        ev.params.imgIds = img_ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    s = ev.stats
    return dict(mAP=100 * s[0], AP50=100 * s[1], mAP_s=100 * s[3],
                mAP_m=100 * s[4], mAP_l=100 * s[5])


def _short(r: dict) -> str:
    """A short label: the AutoFocus thresholds, or the method's group."""
    if r['group'] == 'autofocus':
        inner = r['name'][r['name'].find('(') + 1:r['name'].rfind(')')]
        return 'AF ' + ', '.join(
            part.split()[0] for part in inner.split(';')[-1].split(','))
    if r['group'] == 'oracle':
        inner = r['name'][r['name'].find('(') + 1:r['name'].rfind(')')]
        return 'oracle ' + inner.split('; ')[-1]
    return dict(single='single scale', pyramid='full pyramid',
                sahi='SAHI 512 px slices').get(r['group'], r['name'])


def plot(results: List[dict], path: str, title: str) -> None:
    """mAP against ms per image and against pixels per image (PNG)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    colors = dict(single='tab:gray', pyramid='tab:blue',
                  autofocus='tab:red', oracle='tab:purple', sahi='tab:green')
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for ax, key, xlabel in ((axes[0], 'ms_per_img', 'ms per image'),
                            (axes[1], 'mpix_per_img',
                             'megapixels processed per image')):
        af = sorted([r for r in results if r['group'] == 'autofocus'],
                    key=lambda r: r[key])
        if len(af) > 1:
            ax.plot([r[key] for r in af], [r['mAP'] for r in af], '-',
                    color=colors['autofocus'], alpha=0.4)
        seen = set()
        for r in results:
            label = None if r['group'] in seen else r['group']
            seen.add(r['group'])
            ax.scatter(r[key], r['mAP'], color=colors.get(r['group'], 'k'),
                       s=45, zorder=3, label=label)
            ax.annotate(_short(r), (r[key], r['mAP']), fontsize=8,
                        xytext=(5, -3), textcoords='offset points')
        ax.set_xlim(0, max(r[key] for r in results) * 1.3)
        ax.set_xlabel(xlabel)
        ax.set_ylabel('bbox mAP')
        ax.grid(True, alpha=0.3)
    axes[0].legend(loc='lower right', fontsize=8)
    fig.suptitle(title + ' (AF: AutoFocus, thresholds coarse->mid, '
                 'mid->fine; up and left is better)', fontsize=9)
    fig.tight_layout()
    from mmsniper.utils import atomic_write
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=110)
    plt.close(fig)


def check_focus_weights(ckpt: dict, path: str) -> None:
    """AutoFocus with a checkpoint without FocusPixel head weights would
    pick its chips with a random head (the wrapper checks this only for
    weights loaded after it is built).

    Raises:
        RuntimeError: When ``ckpt`` has no ``focus_head.*`` weights.
    """
    state = ckpt.get('state_dict', ckpt)
    if not any(k.split('module.', 1)[-1].startswith('focus_head.')
               for k in state):
        raise RuntimeError(
            f'{path} has no FocusPixel head weights (focus_head.*): '
            'AutoFocus would pick its chips with a random head; give a '
            'checkpoint trained with configs/autofocus/*.py or drop '
            'autofocus from --methods')


def main(argv: Optional[List[str]] = None) -> List[dict]:
    args = parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    import mmsniper  # noqa: F401
    from mmsniper.apis import is_tta_model, load_image
    from mmsniper.engine import resolve_sniper_block
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if is_tta_model(cfg.model):
        raise ValueError(
            f'{args.config}: its model is a test-time wrapper '
            f'({type_name(cfg.model)}); give the training config (the '
            'benchmark builds the wrappers around its detector)')
    resolve_sniper_block(cfg)  # test scales, ranges, budgets of `sniper`
    # single scale and SAHI use the pyramid's proposal and detection
    # budget rules (boxes per megapixel)
    tta_cfg = pyramid_wrapper_cfg(cfg).get('tta_cfg', None) or {}
    args.rpn_budget = tta_cfg.get('rpn_budget', None)
    args.det_budget = tta_cfg.get('det_budget', None)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    detector = MODELS.build(cfg.model)
    ckpt = load_checkpoint(detector, args.checkpoint, map_location='cpu')
    if 'autofocus' in args.methods or 'oracle' in args.methods:
        check_focus_weights(ckpt, args.checkpoint)
    detector.to(args.device).eval()
    meta = ckpt.get('meta', {}).get('dataset_meta', {})

    ann_file = osp.join(args.data_root, 'annotations',
                        f'instances_{args.split}.json')
    with open(ann_file) as f:
        ann = json.load(f)
    cats = sorted(ann['categories'], key=lambda c: c['id'])
    classes = list(meta.get('classes', []))
    by_name = {c['name']: c['id'] for c in cats}
    if not classes or any(c not in by_name for c in classes):
        classes = [c['name'] for c in cats]  # label i = i-th category
    cat_ids = [by_name[c] for c in classes]
    images = sorted(ann['images'], key=lambda im: im['id'])
    if args.num_images > 0:
        images = images[:args.num_images]
    img_dir = osp.join(args.data_root, args.split)
    gts = {im['id']: [] for im in images}
    for a in ann['annotations']:
        if a['image_id'] in gts:
            x, y, w, h = a['bbox']
            gts[a['image_id']].append([x, y, x + w, y + h])

    methods = build_methods(args, cfg, detector, classes)
    first = load_image(osp.join(img_dir, images[0]['file_name']))
    for m in methods:  # warm-up (lazy init of kernels), not timed
        m.fn(first,
             np.asarray(gts[images[0]['id']]) if m.needs_gt else None)
    for n, info in enumerate(images):
        img = load_image(osp.join(img_dir, info['file_name']))
        for m in methods:
            start = time.perf_counter()
            gt = np.asarray(gts[info['id']]) if m.needs_gt else None
            bboxes, scores, labels, pixels, per_scale = m.fn(img, gt)
            m.ms.append((time.perf_counter() - start) * 1000)
            m.pixels.append(pixels)
            m.per_scale.append(per_scale)
            for b, s, lab in zip(bboxes, scores, labels):
                b = [float(v) for v in b]
                m.dets.append(dict(image_id=info['id'], label=int(lab),
                                   score=float(s),
                                   bbox=[b[0], b[1], b[2] - b[0],
                                         b[3] - b[1]]))
        print(f'[{n + 1}/{len(images)}] ' + '  '.join(
            f'{m.group}:{m.ms[-1]:.0f}ms' for m in methods), flush=True)

    img_ids = [im['id'] for im in images]
    results = []
    for m in methods:
        r = dict(name=m.name, group=m.group,
                 ms_per_img=float(np.mean(m.ms)),
                 mpix_per_img=float(np.mean(m.pixels)) / 1e6)
        if m.per_scale and m.per_scale[0]:
            r['mpix_per_scale'] = [
                float(v) / 1e6 for v in np.mean(m.per_scale, axis=0)
            ]
        r.update(coco_eval(ann_file, img_ids, m.dets, cat_ids))
        results.append(r)
    pyr = next((r for r in results if r['group'] == 'pyramid'), None)
    header = ('| method | mAP | AP50 | mAP_s | mAP_m | mAP_l | ms/img | '
              'Mpix/img |' + (' speed-up vs pyramid | pixels vs pyramid |'
                              if pyr else ''))
    lines = [header, '|' + '---|' * (header.count('|') - 1)]
    for r in results:
        line = (f"| {r['name']} | {r['mAP']:.1f} | {r['AP50']:.1f} | "
                f"{r['mAP_s']:.1f} | {r['mAP_m']:.1f} | {r['mAP_l']:.1f} | "
                f"{r['ms_per_img']:.0f} | {r['mpix_per_img']:.2f} |")
        if pyr:
            line += (f" {pyr['ms_per_img'] / r['ms_per_img']:.2f}x | "
                     f"{pyr['mpix_per_img'] / r['mpix_per_img']:.2f}x "
                     'fewer |')
        lines.append(line)
    table = '\n'.join(lines)
    print(table)
    env = dict(
        machine=platform.processor() or platform.machine(),
        cpus=os.cpu_count(), torch_threads=torch.get_num_threads(),
        torch=torch.__version__, command=' '.join(sys.argv),
        images=len(images), split=args.split, data_root=args.data_root)
    from mmsniper.utils import atomic_write
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with atomic_write(args.out) as f:
        json.dump(dict(env=env, results=results, table=table), f, indent=2)
    if args.plot:
        plot(results, args.plot,
             f'{len(images)} images of {osp.basename(args.data_root)}/'
             f'{args.split}, {env["cpus"]} CPU cores')
    return results


if __name__ == '__main__':
    main()
