"""Where the FocusChips go: for AutoFocus operating points and the oracle
(FocusPixels from the ground truth), the fraction of ground-truth boxes of
each size that lie fully inside a FocusChip of each finer scale ("in"), or
that a chip cuts ("cut": overlaps without containing), and the sizes of the
small boxes that no fine-scale chip contains. It separates the two causes
of a learned map's lost small-object AP: boxes never sent to the fine scale
(coverage) against boxes sent there and still missed (detection).

Example (docs/benchmarks.md, "Loss weighting of the FocusPixel head")::

    python tools/analysis/focus_coverage.py CONFIG CKPT \
        --data-root data/synthetic/bench --split test --num-images 40 \
        --af-points 0.1,0.1 0.5,0.5 --out work_dirs/focus_coverage.json
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from inference_methods import _build, af_point, autofocus_wrapper_cfg  # noqa
from inference_samples import load_split, predict_sample  # noqa: E402

#: Upper bounds of the size bins, sqrt(area) in original pixels.
DEFAULT_BINS = (24., 48., 72., 192.)


def chip_coverage(gt: np.ndarray,
                  chips: np.ndarray,
                  tol: float = 1.) -> Tuple[np.ndarray, np.ndarray]:
    """Which boxes a set of chips contains, and which it cuts.

    Args:
        gt (np.ndarray): Boxes ``(N, 4)`` xyxy.
        chips (np.ndarray): Chips ``(M, 4)`` xyxy, same frame.
        tol (float): Slack in pixels for containment (chip corners are
            rounded to the scale's grid). Defaults to 1.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``inside`` ``(N,)``: some chip
        contains the box; ``cut`` ``(N,)``: no chip contains it but one
        overlaps it with positive area.
    """
    gt = np.asarray(gt, np.float64).reshape(-1, 4)
    chips = np.asarray(chips, np.float64).reshape(-1, 4)
    if len(chips) == 0 or len(gt) == 0:
        return np.zeros(len(gt), bool), np.zeros(len(gt), bool)
    g, c = gt[:, None], chips[None]
    inside = ((g[..., 0] >= c[..., 0] - tol) & (g[..., 1] >= c[..., 1] - tol)
              & (g[..., 2] <= c[..., 2] + tol)
              & (g[..., 3] <= c[..., 3] + tol)).any(1)
    overlap = ((np.minimum(g[..., 2], c[..., 2]) >
                np.maximum(g[..., 0], c[..., 0]))
               & (np.minimum(g[..., 3], c[..., 3]) >
                  np.maximum(g[..., 1], c[..., 1]))).any(1)
    return inside, overlap & ~inside


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='training config with a FocusPixel '
                        'head and an AutoFocus tta_model')
    parser.add_argument('checkpoint')
    parser.add_argument('--data-root', default='data/synthetic/bench')
    parser.add_argument('--split', default='test')
    parser.add_argument('--num-images', type=int, default=40,
                        help='first N images of the split (by id); 0 = all')
    parser.add_argument('--af-points', nargs='+', default=['config'],
                        help='AutoFocus points as in benchmark_inference.py')
    parser.add_argument('--bins', type=float, nargs='+',
                        default=list(DEFAULT_BINS),
                        help='upper bounds of the size bins, sqrt(area) in '
                        'original px (a last open bin is added)')
    parser.add_argument('--small', type=float, default=48.,
                        help='boxes under this sqrt(area) (original px) '
                        'that no chip of the finest scale contains are '
                        'listed by their size at the coarse scale')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--out', default=None, help='JSON of the results')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> List[dict]:
    args = parse_args(argv)
    torch.set_num_threads(max(args.threads, 1))
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmengine.utils import ProgressBar

    from mmsniper.apis import load_image
    from mmsniper.engine import resolve_sniper_block
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    resolve_sniper_block(cfg)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    detector = MODELS.build(cfg.model)
    load_checkpoint(detector, args.checkpoint, map_location='cpu')
    detector.eval()
    wrapper = autofocus_wrapper_cfg(cfg)
    models = []
    for point in args.af_points:
        wcfg, desc = af_point(wrapper, point)
        models.append((f'AutoFocus {desc}', _build(wcfg, detector)))
    oracle = copy.deepcopy(wrapper)
    oracle['type'] = 'OracleAutoFocusDetector'
    models.append(('oracle', _build(af_point(oracle, 'config')[0],
                                    detector)))
    bins = sorted(args.bins)
    edges = [0.] + bins + [float('inf')]
    _, images, gts = load_split(args.data_root, args.split,
                                args.num_images, skip_crowd=True)
    num_scales = len(wrapper['autofocus_cfg']['scales'])
    stats = [
        dict(inside=np.zeros((num_scales, len(edges) - 1)),
             cut=np.zeros((num_scales, len(edges) - 1)),
             missed_coarse_px=[]) for _ in models
    ]
    count = np.zeros(len(edges) - 1)
    bar = ProgressBar(len(images))
    for info in images:
        img = load_image(osp.join(args.data_root, args.split,
                                  info['file_name']))
        gt = np.asarray(gts[info['id']], np.float64).reshape(-1, 4)
        size = np.sqrt(np.clip(gt[:, 2] - gt[:, 0], 0, None) *
                       np.clip(gt[:, 3] - gt[:, 1], 0, None))
        b = np.digitize(size, bins)
        np.add.at(count, b, 1)
        for (name, model), st in zip(models, stats):
            res = predict_sample(model, img, gt)
            for s in range(1, num_scales):
                inside, cut = chip_coverage(gt, res.focus_chips[s])
                np.add.at(st['inside'][s], b, inside)
                np.add.at(st['cut'][s], b, cut)
                if s == num_scales - 1:
                    f0 = float(res.scale_factors[0])
                    small = (size < args.small) & ~inside
                    st['missed_coarse_px'] += [
                        round(float(v) * f0, 1) for v in size[small]]
        bar.update()
    print()
    results = []
    for (name, _), st in zip(models, stats):
        row = dict(method=name, boxes_per_bin=count.tolist(),
                   bins=[[lo, hi] for lo, hi in zip(edges[:-1], edges[1:])])
        for s in range(1, num_scales):
            row[f'scale{s}_inside'] = (st['inside'][s] /
                                       np.maximum(count, 1)).tolist()
            row[f'scale{s}_cut'] = (st['cut'][s] /
                                    np.maximum(count, 1)).tolist()
        row['small'] = args.small
        row['finest_missed_coarse_px'] = sorted(st['missed_coarse_px'])
        results.append(row)
    print(coverage_table(results, num_scales))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        tmp = args.out + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(dict(command=' '.join(sys.argv), results=results), f,
                      indent=1)
        os.replace(tmp, args.out)
    return results


def coverage_table(results: Sequence[dict], num_scales: int) -> str:
    """A markdown table: one row per method and finer scale, one column per
    size bin (``in / cut`` as fractions of the bin's boxes)."""
    edges = results[0]['bins']
    names = [f'{lo:g}-{hi:g} px' if np.isfinite(hi) else f'>= {lo:g} px'
             for lo, hi in edges]
    lines = ['| method | scale | ' + ' | '.join(names) +
             f" | boxes < {results[0]['small']:g} px in no finest chip |",
             '|---|---|' + '---|' * (len(names) + 1)]
    for r in results:
        for s in range(1, num_scales):
            cells = [f'{i:.2f} / {c:.2f}' for i, c in zip(
                r[f'scale{s}_inside'], r[f'scale{s}_cut'])]
            extra = (str(len(r['finest_missed_coarse_px']))
                     if s == num_scales - 1 else '')
            lines.append(f"| {r['method']} | {s} | " + ' | '.join(cells) +
                         f' | {extra} |')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
