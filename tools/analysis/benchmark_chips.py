# Copyright (c) mmsniper contributors. All rights reserved.
"""Benchmark SNIPER chip generation: native op vs numpy reference.

Measured side by side in one run, single-threaded (``torch.set_num_threads
(1)``, ``time.perf_counter``), on the synthetic ``bench`` split (default)
and/or any COCO json:

- ms per image of the greedy cover (all scales of one image) with the
  native op and with the numpy reference, on identical inputs (the result
  is checked to be equal), and their ratio;
- the same on dense images (>= ``--dense`` boxes);
- positive chips per image, plain greedy vs with redundancy pruning;
- pixels processed (chips padded to the chip size) per full-pyramid pixel;
- coverage of valid boxes (must be 100%);
- ms per image of the whole ``generate_chips`` (op backend).

Each image's timing is the minimum over ``--repeat`` runs (robust on a
shared machine); both implementations get the same treatment.

Example::

    python tools/analysis/benchmark_chips.py                 # bench split
    python tools/analysis/benchmark_chips.py --ann-file a.json --max-images 500
"""
import argparse
import os
import os.path as osp
import sys
import time

os.environ.setdefault('OMP_NUM_THREADS', '1')

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

BENCH_ROOT = 'data/synthetic/bench'


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--ann-file', action='append', default=[],
                   help='COCO json (repeatable); default: the synthetic '
                   'bench split')
    p.add_argument('--bench-root', default=BENCH_ROOT,
                   help='root of the synthetic bench dataset')
    p.add_argument('--split', default='train', help='bench split to use')
    p.add_argument('--generate', action='store_true',
                   help='generate the bench dataset when it is missing')
    p.add_argument('--scales', default='3.0,1.667,512',
                   help='comma-separated scale specs (numbers <= 16 are '
                   'factors, larger ones long-side targets)')
    p.add_argument('--valid-ranges', default='-1:80,32:150,120:-1',
                   help='comma-separated lo:hi per scale, -1 = unbounded')
    p.add_argument('--chip-size', type=int, default=512)
    p.add_argument('--stride', type=int, default=32)
    p.add_argument('--max-images', type=int, default=None)
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--dense', type=int, default=60,
                   help='an image with at least this many boxes is dense')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def parse_scales(text):
    return tuple(float(v) for v in text.split(','))


def parse_ranges(text):
    return tuple(tuple(float(x) for x in r.split(':'))
                 for r in text.split(','))


def load_sources(args):
    from mmsniper.chips.stats import load_coco_boxes, random_records
    sources = []
    for ann in args.ann_file:
        sources.append((ann, load_coco_boxes(ann)))
    if not args.ann_file:
        ann = osp.join(args.bench_root, 'annotations',
                       f'instances_{args.split}.json')
        if not osp.exists(ann) and args.generate:
            from mmsniper.datasets.synthetic import generate_dataset
            generate_dataset(args.bench_root, preset='bench', seed=0)
        if osp.exists(ann):
            sources.append((ann, load_coco_boxes(ann)))
        else:
            print(f'WARNING: {ann} not found (run with --generate); using '
                  'the built-in random box generator instead')
            sources.append(('built-in random boxes (300 images)',
                            random_records(300, seed=args.seed)))
    if args.max_images:
        sources = [(n, r[:args.max_images]) for n, r in sources]
    return sources


def time_call(fn, repeat):
    best, out = float('inf'), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def bench_source(records, args):
    from mmsniper.chips import cover_inputs, generate_chips
    from mmsniper.chips.stats import chip_stats
    from mmsniper.ops import EXT_AVAILABLE, chip_cover
    op_backend = 'ext' if EXT_AVAILABLE else 'numpy'  # no extension: ref
    scales, ranges = parse_scales(args.scales), parse_ranges(args.valid_ranges)
    k, st = args.chip_size, args.stride
    t_op = t_ref = 0.
    dense_op, dense_ref, n_dense = 0., 0., 0
    mismatches = 0
    chips_plain = np.zeros(len(scales))
    for i, rec in enumerate(records):
        inputs = cover_inputs(rec['bboxes'], (rec['height'], rec['width']),
                              scales, ranges, k, st, rec['ignore'])
        img_op = img_ref = 0.
        for s, inp in enumerate(inputs):
            if inp['whole_image'] or len(inp['boxes']) == 0:
                chips_plain[s] += int(len(inp['boxes']) > 0)
                continue
            hs, ws = inp['scaled_shape']
            seed = args.seed + i * 7919 + s
            ta, a = time_call(
                lambda: chip_cover(inp['boxes'], ws, hs, k, st, seed,
                                   backend=op_backend), args.repeat)
            tb, b = time_call(
                lambda: chip_cover(inp['boxes'], ws, hs, k, st, seed,
                                   backend='numpy'), args.repeat)
            mismatches += int(not (np.array_equal(a[0], b[0])
                                   and np.array_equal(a[1], b[1])))
            chips_plain[s] += len(a[0])
            img_op, img_ref = img_op + ta, img_ref + tb
        t_op, t_ref = t_op + img_op, t_ref + img_ref
        if len(rec['bboxes']) >= args.dense:
            n_dense += 1
            dense_op, dense_ref = dense_op + img_op, dense_ref + img_ref
    n = max(len(records), 1)
    cfg = dict(scales=scales, valid_ranges=ranges, chip_size=k, stride=st,
               seed=args.seed, backend=op_backend)
    pruned = chip_stats(records, prune=True, **cfg)
    plain = chip_stats(records, prune=False, **cfg)
    t_gen = 0.
    for i, rec in enumerate(records):
        dt, _ = time_call(
            lambda: generate_chips(rec['bboxes'], (rec['height'],
                                                   rec['width']), scales,
                                   ranges, k, st,
                                   gt_ignore_flags=rec['ignore'],
                                   seed=args.seed + i), args.repeat)
        t_gen += dt
    return dict(
        images=len(records),
        boxes_per_img=sum(len(r['bboxes']) for r in records) / n,
        op_ms=t_op / n * 1e3,
        ref_ms=t_ref / n * 1e3,
        n_dense=n_dense,
        dense_op_ms=dense_op / max(n_dense, 1) * 1e3,
        dense_ref_ms=dense_ref / max(n_dense, 1) * 1e3,
        mismatches=mismatches,
        chips_plain=chips_plain / n,
        pruned=pruned,
        plain=plain,
        gen_ms=t_gen / n * 1e3)


def report(name, r, args):
    from mmsniper.ops import EXT_AVAILABLE
    ratio = r['ref_ms'] / max(r['op_ms'], 1e-12)
    dratio = r['dense_ref_ms'] / max(r['dense_op_ms'], 1e-12)
    fmt = lambda a: ' / '.join(f'{v:.2f}' for v in a)  # noqa: E731
    lines = [
        f'### {name}', '',
        f'{r["images"]} images, {r["boxes_per_img"]:.1f} boxes/image; '
        f'scales {args.scales}, valid ranges {args.valid_ranges}, chip '
        f'{args.chip_size}, stride {args.stride}; native op built: '
        f'{EXT_AVAILABLE}; op == reference on every cover: '
        f'{r["mismatches"] == 0} ({r["mismatches"]} mismatches)', '',
        '| metric | value |', '|---|---|',
        f'| greedy cover, native op (ms/image, all scales) | '
        f'{r["op_ms"]:.3f} |',
        f'| greedy cover, numpy reference (ms/image) | {r["ref_ms"]:.3f} |',
        f'| speed-up op vs reference | {ratio:.1f}x |',
        f'| dense images (>= {args.dense} boxes, n={r["n_dense"]}): op / '
        f'reference (ms/image) | {r["dense_op_ms"]:.3f} / '
        f'{r["dense_ref_ms"]:.3f} ({dratio:.1f}x) |',
        f'| positive chips/image per scale, plain greedy | '
        f'{fmt(r["plain"]["chips_per_img"])} '
        f'(total {r["plain"]["chips_per_img"].sum():.2f}) |',
        f'| positive chips/image per scale, pruned (default) | '
        f'{fmt(r["pruned"]["chips_per_img"])} '
        f'(total {r["pruned"]["chips_per_img"].sum():.2f}) |',
        f'| pixels / full-pyramid pixels, plain greedy | '
        f'{r["plain"]["pixel_frac_total"]:.3f} |',
        f'| pixels / full-pyramid pixels, pruned (per scale) | '
        f'{r["pruned"]["pixel_frac_total"]:.3f} '
        f'({fmt(r["pruned"]["pixel_frac"])}) |',
        f'| boxes valid at some scale | '
        f'{100 * r["pruned"]["valid_frac"]:.2f}% |',
        f'| valid boxes fully inside a chip of their scale | '
        f'{100 * r["pruned"]["coverage"]:.2f}% (plain: '
        f'{100 * r["plain"]["coverage"]:.2f}%) |',
        f'| generate_chips end to end (ms/image) | {r["gen_ms"]:.3f} |', ''
    ]
    print('\n'.join(lines))


def main():
    args = parse_args()
    torch.set_num_threads(1)
    for name, records in load_sources(args):
        report(name, bench_source(records, args), args)


if __name__ == '__main__':
    main()
