"""Print (and save as summary.json) what a quickstart run produced.

Reads ``WORK_DIR/val_metrics.json`` (``tools/test.py --metrics-out``): the
COCO metrics and, when the test evaluator has a ``ProcessedPixelsMetric``,
the pixels processed (``pixels/mpix_per_img``) as a percentage of the full
pyramid (``pixels/pct_of_pyramid``, or ``pixels/ratio_to_pyramid`` of
older files; ``pixels/pyramid_mpix_per_img``).
"""
import argparse
import glob
import json
import os.path as osp
import sys
from typing import List, Optional

from mmsniper.utils.io import atomic_write

#: Keys of ``ProcessedPixelsMetric`` (mmsniper/evaluation/pixels_metric.py)
#: in the metrics file.
MPIX_KEY = 'pixels/mpix_per_img'
PCT_KEY = 'pixels/pct_of_pyramid'
RATIO_KEY = 'pixels/ratio_to_pyramid'
PYRAMID_KEY = 'pixels/pyramid_mpix_per_img'


def pixels_line(metrics: dict) -> Optional[str]:
    """``pixels processed  X Mpix/img (Y% of the full pyramid of Z
    Mpix/img)``, or None when the metrics have no processed pixels."""
    if MPIX_KEY not in metrics:
        return None
    line = f'  {"pixels processed":<20s} {metrics[MPIX_KEY]:.2f} Mpix/img'
    pct = metrics.get(PCT_KEY, None)
    if pct is None and RATIO_KEY in metrics:
        pct = 100. * metrics[RATIO_KEY]
    if pct is not None:
        line += f' ({pct:.1f}% of the full pyramid'
        if PYRAMID_KEY in metrics:
            line += f' of {metrics[PYRAMID_KEY]:.2f} Mpix/img'
        line += ')'
    return line


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('work_dir')
    parser.add_argument('--train-seconds', type=float, default=None)
    parser.add_argument('--test-seconds', type=float, default=None)
    parser.add_argument('--compare-seconds', type=float, default=None)
    parser.add_argument(
        '--tta', action='store_true',
        help='the metrics come from tools/test.py --tta (named in the '
        'title)')
    parser.add_argument(
        '--comparison', default=None,
        help='results.json of tools/analysis/benchmark_inference.py '
        '(AutoFocus against the full pyramid)')
    args = parser.parse_args(argv)
    metrics_file = osp.join(args.work_dir, 'val_metrics.json')
    if not osp.isfile(metrics_file):
        print(f'error: no metrics file {metrics_file}', file=sys.stderr)
        sys.exit(2)
    with open(metrics_file) as f:
        metrics = json.load(f)
    pictures = sorted(
        glob.glob(osp.join(args.work_dir, '*', 'vis', '*.jpg')) +
        glob.glob(osp.join(args.work_dir, '*', 'vis', '*.png')))
    summary = dict(
        metrics=metrics,
        train_seconds=args.train_seconds,
        test_seconds=args.test_seconds,
        compare_seconds=args.compare_seconds,
        detections_json=osp.join(args.work_dir, 'val_detections.bbox.json'),
        pictures=pictures)
    comparison = None
    if args.comparison:
        with open(args.comparison) as f:
            comparison = json.load(f)
        summary['comparison'] = comparison['results']
    with atomic_write(osp.join(args.work_dir, 'summary.json')) as f:
        json.dump(summary, f, indent=2)
    print('=' * 60)
    print('mmsniper quickstart summary (synthetic val split'
          + (', tools/test.py --tta)' if args.tta else ')'))
    for key in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/bbox_mAP_s',
                'coco/bbox_mAP_m', 'coco/bbox_mAP_l'):
        if key in metrics:
            print(f'  {key:<20s} {metrics[key]:.3f}')
    if pixels_line(metrics):
        print(pixels_line(metrics))
    if args.train_seconds is not None:
        print(f'  train time           {args.train_seconds / 60:.1f} min')
    if args.test_seconds is not None:
        print(f'  eval time            {args.test_seconds / 60:.1f} min')
    if args.compare_seconds is not None:
        print(f'  comparison time      {args.compare_seconds / 60:.1f} min')
    print(f'  detections (COCO)    {summary["detections_json"]}')
    print(f'  metrics              {metrics_file}')
    if pictures:
        print(f'  pictures             {osp.dirname(pictures[0])}/ '
              f'({len(pictures)} images)')
    if comparison:
        print_comparison(comparison, args.comparison)
    print('=' * 60)


def print_comparison(comparison: dict, path: str) -> None:
    """AutoFocus against the full pyramid: mAP, time and pixels."""
    results = comparison['results']
    pyr = next((r for r in results if r['group'] == 'pyramid'), None)
    env = comparison['env']
    print(f'  AutoFocus vs full pyramid ({env["images"]} images of '
          f'{osp.basename(env["data_root"])}/{env["split"]}, same model):')
    print(f'    {"method":<44s} {"mAP":>5s} {"AP50":>5s} {"ms/img":>7s} '
          f'{"Mpix/img":>8s}')
    for r in results:
        print(f'    {r["name"][:44]:<44s} {r["mAP"]:5.1f} {r["AP50"]:5.1f} '
              f'{r["ms_per_img"]:7.0f} {r["mpix_per_img"]:8.2f}')
    for r in results:
        if pyr is None or r['group'] != 'autofocus':
            continue
        print(f'    AutoFocus: {pyr["ms_per_img"] / r["ms_per_img"]:.2f}x '
              f'faster, {pyr["mpix_per_img"] / r["mpix_per_img"]:.2f}x '
              f'fewer pixels, {r["mAP"] - pyr["mAP"]:+.1f} mAP points '
              'against the full pyramid')
    print(f'    details: {path}')


if __name__ == '__main__':
    main()
