"""Print (and save as summary.json) what a quickstart run produced."""
import argparse
import glob
import json
import os.path as osp
import sys

from mmsniper.utils.io import atomic_write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('work_dir')
    parser.add_argument('--train-seconds', type=float, default=None)
    parser.add_argument('--test-seconds', type=float, default=None)
    args = parser.parse_args()
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
        detections_json=osp.join(args.work_dir, 'val_detections.bbox.json'),
        pictures=pictures)
    with atomic_write(osp.join(args.work_dir, 'summary.json')) as f:
        json.dump(summary, f, indent=2)
    print('=' * 60)
    print('mmsniper quickstart summary (synthetic val split)')
    for key in ('coco/bbox_mAP', 'coco/bbox_mAP_50', 'coco/bbox_mAP_s',
                'coco/bbox_mAP_m', 'coco/bbox_mAP_l'):
        if key in metrics:
            print(f'  {key:<20s} {metrics[key]:.3f}')
    if args.train_seconds is not None:
        print(f'  train time           {args.train_seconds / 60:.1f} min')
    if args.test_seconds is not None:
        print(f'  eval time            {args.test_seconds / 60:.1f} min')
    print(f'  detections (COCO)    {summary["detections_json"]}')
    print(f'  metrics              {metrics_file}')
    if pictures:
        print(f'  pictures             {osp.dirname(pictures[0])}/ '
              f'({len(pictures)} images)')
    print('=' * 60)


if __name__ == '__main__':
    main()
