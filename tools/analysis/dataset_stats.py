# Copyright (c) mmsniper contributors. All rights reserved.
"""Scale statistics of a COCO-style dataset (synthetic or real).

Example::

    python tools/analysis/dataset_stats.py data/synthetic/quickstart \
        --plot work_dirs/synthetic_stats.png

Prints, per split, the image count, boxes per image, a histogram of box
size ``sqrt(w * h)`` in log bins (8-16-32-64-128-256-600) and how much of
the image area holds the small objects. The logic lives in
:mod:`mmsniper.datasets.synthetic.scale_stats`.
"""
import argparse
import os.path as osp
import sys
from typing import Tuple

import numpy as np

from mmsniper.datasets.synthetic import SPLITS, ann_file
from mmsniper.datasets.synthetic.scale_stats import (SIZE_BINS, dataset_stats,
                                               format_stats)
from mmsniper.utils.io import atomic_write


def parse_args(
        argv=None) -> Tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'data_root',
        help='dataset folder with annotations/instances_SPLIT.json, or one '
        'COCO json file')
    parser.add_argument(
        '--splits', nargs='+', default=list(SPLITS), help='splits to read')
    parser.add_argument(
        '--small-size',
        type=float,
        default=64,
        help='boxes below this sqrt(area) count as small (default 64)')
    parser.add_argument(
        '--plot', default=None, help='save size histograms to this PNG')
    return parser, parser.parse_args(argv)


def plot(stats: dict, path: str) -> None:
    """Histograms of box size (log x) and of boxes per image, per split."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    bins = np.geomspace(4, 1024, 33)
    for split, s in stats.items():
        ax1.hist(s['sizes'], bins, histtype='step', lw=1.5, label=split)
    for edge in SIZE_BINS[1:-1]:
        ax1.axvline(edge, color='grey', lw=0.5, ls=':')
    ax1.set(xscale='log', xlabel='box size sqrt(w*h) [px]', ylabel='boxes',
            title='object sizes')
    ax1.legend()
    top = max(int(s['counts'].max()) for s in stats.values())
    for split, s in stats.items():
        ax2.hist(s['counts'], np.arange(0, top + 6, 5), histtype='step',
                 lw=1.5, label=split)
    ax2.set(xlabel='boxes per image', ylabel='images',
            title='boxes per image')
    ax2.legend()
    fig.tight_layout()
    with atomic_write(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=100)
    plt.close(fig)


def main(argv=None) -> int:
    parser, args = parse_args(argv)
    if osp.isfile(args.data_root):
        files = {osp.splitext(osp.basename(args.data_root))[0]:
                 args.data_root}
    else:
        files = {s: ann_file(args.data_root, s) for s in args.splits}
        files = {s: p for s, p in files.items() if osp.exists(p)}
    if not files:
        parser.error(f'no annotation files found in {args.data_root!r}')
    stats = dataset_stats(files, small_size=args.small_size)
    print(format_stats(stats, args.small_size))
    if args.plot:
        try:
            plot(stats, args.plot)
        except ValueError as e:
            parser.error(str(e))
        print(f'plot saved to {args.plot}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
