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

Choosing an operating point: run the AutoFocus points on a val split with
``--choose-within DROP...``; for each DROP it prints (and stores as
``chosen`` in the json) the point with the fewest pixels per image within
DROP mAP of the pyramid, with the ``--af-points`` value to test it with on
the test split (pixels decide, not milliseconds: they do not depend on the
load of the machine). ``--choose-z Z`` keeps a margin for the shift from val
to test: a point qualifies only when its drop plus Z standard errors is
within DROP, the standard error (``drop_se`` in the json) coming from the
delete-a-group jackknife over ``--jackknife-folds`` groups of images, paired
with the pyramid (``inference_uncertainty.py``).

Example::

    python tools/analysis/benchmark_inference.py \
        configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_\
synthetic.py work_dirs/autofocus_syn/epoch_2.pth \
        --data-root data/synthetic/bench --num-images 40 \
        --out work_dirs/benchmark_inference/results.json \
        --plot docs/images/autofocus_benchmark.png
    # choose on val, then test the chosen points
    python tools/analysis/benchmark_inference.py CONFIG CKPT \
        --data-root data/synthetic/bench --split val --num-images 100 \
        --methods pyramid autofocus --af-points config 0.1,0.1 0.05,0.05 \
        --choose-within 1.0 2.0 --choose-z 1.645
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys
import time
from typing import List, Optional

import numpy as np
import torch
from mmengine.config import Config, DictAction

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from inference_methods import build_methods, pyramid_wrapper_cfg  # noqa: E402
from inference_samples import load_split  # noqa: E402
from inference_report import (chosen_lines, coco_eval, plot,  # noqa: E402
                              results_table)
from inference_uncertainty import (jackknife_se,  # noqa: E402
                                   leave_fold_out_maps)

from mmsniper.utils.config_types import type_name  # noqa: E402


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
    parser.add_argument(
        '--choose-within', type=float, nargs='+', default=[],
        metavar='DROP',
        help='print (and store as "chosen") the AutoFocus point with the '
        'fewest pixels within DROP mAP of the pyramid, for each DROP: run '
        'on a val split, then test the chosen --af-points on test')
    parser.add_argument(
        '--choose-z', type=float, default=0., metavar='Z',
        help='with --choose-within: a point qualifies only when its drop '
        'plus Z jackknife standard errors is within DROP (a margin for the '
        'val-to-test shift; 1.645 is one-sided 95%%). Default: 0')
    parser.add_argument(
        '--jackknife-folds', type=int, default=None, metavar='K',
        help='store drop_se, the delete-a-group jackknife standard error of '
        'each point\'s mAP drop against the pyramid, from K interleaved '
        'groups of images (default: 10 when --choose-z > 0, else off)')
    return parser.parse_args(argv)


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


def add_drop_se(results: List[dict], methods: list, ann_file: str,
                img_ids: List[int], cat_ids: List[int], folds: int) -> None:
    """Store ``drop_se`` (jackknife SE of the mAP drop against the pyramid,
    in points) in each AutoFocus / oracle / single / SAHI result."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(ann_file)
    loo = [leave_fold_out_maps(gt, img_ids, m.dets, cat_ids, folds)
           for m in methods]
    k = next(i for i, r in enumerate(results) if r['group'] == 'pyramid')
    for i, r in enumerate(results):
        if i != k:
            r['drop_se'] = jackknife_se(loo[k], loo[i])


def main(argv: Optional[List[str]] = None) -> List[dict]:
    args = parse_args(argv)
    if args.choose_within and not {'pyramid', 'autofocus'} <= set(
            args.methods):
        raise ValueError('--choose-within compares AutoFocus points with '
                         'the pyramid: --methods needs pyramid and '
                         'autofocus')
    if args.choose_z < 0:
        raise ValueError(f'--choose-z must be >= 0, got {args.choose_z}')
    if args.choose_z > 0 and not args.choose_within:
        raise ValueError('--choose-z is a margin of --choose-within: give '
                         '--choose-within DROP...')
    if args.jackknife_folds is None:
        args.jackknife_folds = 10 if args.choose_z > 0 else 0
    if args.choose_z > 0 and args.jackknife_folds < 2:
        raise ValueError('--choose-z needs --jackknife-folds >= 2, got '
                         f'{args.jackknife_folds}')
    if args.jackknife_folds and 'pyramid' not in args.methods:
        raise ValueError('--jackknife-folds measures drops against the '
                         'pyramid: --methods needs pyramid')
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

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

    ann, images, gts = load_split(args.data_root, args.split,
                                  args.num_images)
    cats = sorted(ann['categories'], key=lambda c: c['id'])
    classes = list(meta.get('classes', []))
    by_name = {c['name']: c['id'] for c in cats}
    if not classes or any(c not in by_name for c in classes):
        classes = [c['name'] for c in cats]  # label i = i-th category
    cat_ids = [by_name[c] for c in classes]
    img_dir = osp.join(args.data_root, args.split)
    ann_file = osp.join(args.data_root, 'annotations',
                        f'instances_{args.split}.json')

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
        r = dict(name=m.name, group=m.group, point=m.point,
                 ms_per_img=float(np.mean(m.ms)),
                 mpix_per_img=float(np.mean(m.pixels)) / 1e6)
        if m.per_scale and m.per_scale[0]:
            r['mpix_per_scale'] = [
                float(v) / 1e6 for v in np.mean(m.per_scale, axis=0)
            ]
        r.update(coco_eval(ann_file, img_ids, m.dets, cat_ids))
        results.append(r)
    if args.jackknife_folds:
        add_drop_se(results, methods, ann_file, img_ids, cat_ids,
                    args.jackknife_folds)
    table = results_table(results)
    print(table)
    chosen = chosen_lines(results, args.choose_within, args.choose_z) if (
        args.choose_within) else []
    for line in chosen:
        print(line)
    env = dict(
        machine=platform.processor() or platform.machine(),
        cpus=os.cpu_count(), torch_threads=torch.get_num_threads(),
        torch=torch.__version__, command=' '.join(sys.argv),
        images=len(images), split=args.split, data_root=args.data_root)
    from mmsniper.utils import atomic_write
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with atomic_write(args.out) as f:
        json.dump(dict(env=env, results=results, table=table,
                       chosen=chosen), f, indent=2)
    if args.plot:
        plot(results, args.plot,
             f'{len(images)} images of {osp.basename(args.data_root)}/'
             f'{args.split}, {env["cpus"]} CPU cores')
    return results


if __name__ == '__main__':
    main()
