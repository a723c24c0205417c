# Copyright (c) mmsniper contributors. All rights reserved.
"""Generate the built-in synthetic multi-scale detection dataset.

Example::

    python tools/misc/generate_synthetic.py --preset quickstart \
        --out data/synthetic/quickstart

Writes ``OUT/annotations/instances_{train,val,test}.json`` and
``OUT/{train,val,test}/*.jpg``. Re-running with the same preset and seed
reuses the existing data (``--force`` regenerates). The logic lives in
:func:`mmsniper.datasets.synthetic.generate_dataset`.
"""
import argparse
import os.path as osp
import sys

from mmsniper.datasets.synthetic import PRESETS, SPLITS, generate_dataset


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the synthetic multi-scale detection dataset '
        '(COCO json + JPEG images).')
    parser.add_argument(
        '--preset',
        default='quickstart',
        choices=list(PRESETS),
        help='dataset size: ' + '; '.join(
            f'{n}: {"/".join(str(v) for v in p.split_sizes.values())} '
            f'images, {p.img_size_range[0]}-{p.img_size_range[1]} px'
            for n, p in PRESETS.items()) + ' (default: quickstart)')
    parser.add_argument(
        '--out',
        default=None,
        help='output folder (default: data/synthetic/PRESET)')
    parser.add_argument(
        '--seed', type=int, default=None, help='base seed (default: 0)')
    parser.add_argument(
        '--splits',
        nargs='+',
        choices=SPLITS,
        default=None,
        help='splits to generate (default: all)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='regenerate even if OUT already holds this preset and seed')
    parser.add_argument(
        '--nproc', type=int, default=1, help='worker processes (default 1)')
    args = parser.parse_args(argv)
    if args.nproc < 1:
        parser.error('--nproc must be >= 1')
    args.parser = parser
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    out = args.out or osp.join('data', 'synthetic', args.preset)
    try:
        paths = generate_dataset(
            out,
            preset=args.preset,
            seed=args.seed,
            splits=args.splits,
            force=args.force,
            nproc=args.nproc)
    except ValueError as e:
        args.parser.error(str(e))  # exits with status 2
    for split, path in paths['annotations'].items():
        print(f'{split}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
