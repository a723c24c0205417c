# Copyright (c) mmsniper contributors. All rights reserved.
"""Inference benchmark: single scale vs the full SNIPER pyramid vs AutoFocus
vs SAHI sliced inference, with the same trained detector, in one run.

For each method it reports COCO bbox mAP (with AP50 and mAP_s/m/l, computed
with pycocotools on the benchmarked images), milliseconds per image (the
model call on an image already decoded in memory; SAHI: its whole
``get_sliced_prediction``) and pixels processed per image (the resized
inputs the detector ran on, padding excluded). The images are processed
in turn by every method (interleaved), so that load changes on a shared
machine hit all methods alike. Writes a json with everything, a markdown
table (stdout) and a speed/accuracy plot.

Methods (``--methods``):

- ``single``: the detector on the whole image at one factor
  (``--single-scale``, default 1.0 = native resolution);
- ``pyramid``: ``sniper_test_model`` of the config (the full 3-scale
  pyramid, per-scale valid ranges, soft-NMS merge);
- ``autofocus``: ``autofocus_test_model`` of the config at each operating
  point of ``--af-points`` (``t1,t2[,k1,k2[,d1,d2[,coarse]]]``: the
  threshold (and minimum chip cells, dilation) of each transition, and
  the coarse scale's long side; ``config``: the config's own settings);
- ``sahi``: SAHI 0.12.8 ``get_sliced_prediction`` with ``--sahi-slice`` px
  slices (overlap 0.2), each slice (and SAHI's full-image "standard
  prediction") resized to ``--sahi-input`` px long side and run through the
  same detector (:class:`mmsniper.apis.sahi_adapter.SahiDetectorModel`).

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
from typing import Dict, List

import numpy as np
import torch
from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config with sniper_test_model and '
                        'autofocus_test_model (configs/autofocus/*)')
    parser.add_argument('checkpoint', help='trained FocusFasterRCNN')
    parser.add_argument('--data-root', default='data/synthetic/bench')
    parser.add_argument('--split', default='test')
    parser.add_argument(
        '--num-images', type=int, default=40,
        help='first N images of the split (by id); 0 = all')
    parser.add_argument(
        '--methods', nargs='+',
        default=['single', 'pyramid', 'autofocus', 'sahi'],
        choices=['single', 'pyramid', 'autofocus', 'sahi'])
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
        'autofocus_test_model.autofocus_cfg.scales=[384,0.75,1.5]')
    parser.add_argument('--threads', type=int, default=0,
                        help='torch threads (0: torch default)')
    parser.add_argument('--out', default='work_dirs/benchmark_inference/'
                        'results.json')
    parser.add_argument('--plot', default=None, help='PNG speed/accuracy plot')
    return parser.parse_args(argv)


class Method:
    """A named way to get detections of one BGR image."""

    def __init__(self, name: str, fn, group: str) -> None:
        self.name, self.fn, self.group = name, fn, group
        self.dets: List[dict] = []
        self.ms: List[float] = []
        self.pixels: List[int] = []
        self.per_scale: List[List[int]] = []


def _wrapper_fn(model):
    from mmdet.structures import DetDataSample

    @torch.no_grad()
    def run(img: np.ndarray):
        h, w = img.shape[:2]
        sample = DetDataSample(metainfo=dict(ori_shape=(h, w),
                                             img_shape=(h, w)))
        res = model.predict([torch.from_numpy(img).permute(2, 0, 1)],
                            [sample])[0]
        inst = res.pred_instances
        return (inst.bboxes.numpy(), inst.scores.numpy(),
                inst.labels.numpy(), int(res.pixels_processed),
                list(res.pixels_per_scale))

    return run


def _sahi_fn(detector, classes, args):
    from sahi.predict import get_sliced_prediction

    from mmsniper.apis.sahi_adapter import SahiDetectorModel
    sahi_model = SahiDetectorModel(
        detector, classes, input_size=args.sahi_input,
        confidence_threshold=args.sahi_conf,
        rpn_budget=args.rpn_budget, det_budget=args.det_budget)

    def run(img: np.ndarray):
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


def build_methods(args, cfg, detector, classes) -> List[Method]:
    from mmdet.registry import MODELS
    methods = []
    if 'single' in args.methods:
        m = MODELS.build(
            dict(type='SniperMultiScaleTTA', detector=detector,
                 tta_cfg=dict(scales=[args.single_scale], valid_ranges=None,
                              nms=None, max_per_img=200,
                              rpn_budget=args.rpn_budget,
                              det_budget=args.det_budget)))
        methods.append(Method(f'single scale (x{args.single_scale:g})',
                              _wrapper_fn(m.eval()), 'single'))
    if 'pyramid' in args.methods:
        wcfg = copy.deepcopy(cfg.sniper_test_model)
        wcfg.detector = detector
        m = MODELS.build(wcfg).eval()
        desc = '/'.join(str(s) for s in m.scales)
        methods.append(Method(f'full pyramid ({desc})', _wrapper_fn(m),
                              'pyramid'))
    if 'autofocus' in args.methods:
        for point in args.af_points:
            # 'config': the config's own operating point
            vals = [] if point == 'config' else [
                float(v) for v in point.split(',')
            ]
            wcfg = copy.deepcopy(cfg.autofocus_test_model)
            wcfg.detector = detector
            focus = [dict(t) for t in wcfg.autofocus_cfg.focus]
            n = len(focus)
            if len(vals) == 3 * n + 1:  # last: coarse long side (px)
                scales = list(wcfg.autofocus_cfg.scales)
                scales[0] = int(vals.pop())
                wcfg.autofocus_cfg.scales = scales
            if len(vals) not in (0, n, 2 * n, 3 * n):
                raise ValueError(f'--af-points {point}: give {n} thresholds '
                                 f'(and optionally {n} min chip sizes and '
                                 f'{n} dilations)')
            for i in range(n if vals else 0):
                focus[i]['threshold'] = vals[i]
                if len(vals) >= 2 * n:
                    focus[i]['min_chip_cells'] = int(vals[n + i])
                if len(vals) == 3 * n:
                    focus[i]['dilation'] = int(vals[2 * n + i])
            wcfg.autofocus_cfg.focus = focus
            m = MODELS.build(wcfg).eval()
            desc = f'coarse {wcfg.autofocus_cfg.scales[0]}; ' + ', '.join(
                f"t={f['threshold']:g} k={f['min_chip_cells']} "
                f"d={f['dilation']}" for f in focus)
            methods.append(Method(f'AutoFocus ({desc})', _wrapper_fn(m),
                                  'autofocus'))
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
    return dict(single='single scale', pyramid='full pyramid',
                sahi='SAHI 512 px slices').get(r['group'], r['name'])


def plot(results: List[dict], path: str, title: str) -> None:
    """mAP against ms per image and against pixels per image (PNG)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    colors = dict(single='tab:gray', pyramid='tab:blue',
                  autofocus='tab:red', sahi='tab:green')
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


def main(argv=None) -> List[dict]:
    args = parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    import mmsniper  # noqa: F401
    from mmsniper.apis import load_image
    from mmsniper.engine import resolve_sniper_block
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    resolve_sniper_block(cfg)  # test scales, ranges, budgets of `sniper`
    # single scale and SAHI use the pyramid's proposal and detection
    # budget rules (boxes per megapixel)
    tta_cfg = cfg.sniper_test_model.tta_cfg
    args.rpn_budget = tta_cfg.get('rpn_budget', None)
    args.det_budget = tta_cfg.get('det_budget', None)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    detector = MODELS.build(cfg.model)
    ckpt = load_checkpoint(detector, args.checkpoint, map_location='cpu')
    detector.eval()
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

    methods = build_methods(args, cfg, detector, classes)
    first = load_image(osp.join(img_dir, images[0]['file_name']))
    for m in methods:  # warm-up (lazy init of kernels), not timed
        m.fn(first)
    for n, info in enumerate(images):
        img = load_image(osp.join(img_dir, info['file_name']))
        for m in methods:
            start = time.perf_counter()
            bboxes, scores, labels, pixels, per_scale = m.fn(img)
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
