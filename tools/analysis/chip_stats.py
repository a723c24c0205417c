# Copyright (c) mmsniper contributors. All rights reserved.
"""SNIPER chip statistics of a COCO json, and suggested scales.

For a scale configuration it prints, per scale: positive chips per image,
pixels processed (chips padded to the chip size) as a fraction of the full
image pyramid at the same scales, the share of boxes valid at the scale;
overall: the share of boxes valid at some scale, the share of valid boxes
fully inside a chip of their scale (must be 100%) and ms per image of
``generate_chips``. Then it suggests scales and valid ranges from the
dataset's box-size distribution (see :mod:`mmsniper.chips.suggest`) and
prints the same statistics for the suggestion, side by side.

The boxes are those training sees: the pre-flight check that
:class:`~mmsniper.datasets.SniperDataset` runs
(:mod:`mmsniper.datasets.preflight`, on the json only; image files are
checked by ``tools/misc/check_dataset.py``) drops the same boxes here
(degenerate, outside the image, unknown category, NaN/inf, ...) and skips
images without a usable size; their counts per reason are printed first.

With ``--show-dir`` it draws the chips of a few images (one colour per
scale; valid boxes green, invalid ones red) with OpenCV.

Example::

    python tools/analysis/chip_stats.py \\
        data/synthetic/bench/annotations/instances_val.json \\
        --img-dir data/synthetic/bench/val --show-dir work_dirs/chips
    python tools/analysis/chip_stats.py ann.json --scales 2,1,512 \\
        --valid-ranges -1:100,50:200,150:-1 --stride 56:59
"""
import argparse
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

#: BGR colour per scale index.
SCALE_COLOURS = ((255, 128, 0), (0, 200, 255), (255, 0, 255), (0, 255, 255),
                 (128, 128, 255))


#: Options whose value may start with '-' (``--valid-ranges -1:80,...``).
DASH_VALUE_OPTIONS = ('--valid-ranges', '--scales', '--stride')


def join_dash_values(argv):
    """``--valid-ranges -1:80`` -> ``--valid-ranges=-1:80``: argparse takes
    a separate value starting with '-' for an option (``expected one
    argument``)."""
    out, it = [], iter(argv)
    for arg in it:
        nxt = next(it, None) if arg in DASH_VALUE_OPTIONS else None
        out.append(arg if nxt is None else f'{arg}={nxt}')
    return out


def parse_args(argv=None):
    argv = join_dash_values(sys.argv[1:] if argv is None else list(argv))
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('ann_file', help='COCO detection json')
    p.add_argument('--scales', default='3.0,1.667,512',
                   help='comma-separated scale specs (numbers <= 16 are '
                   'factors, larger ones long-side targets in pixels)')
    p.add_argument('--valid-ranges', default='-1:80,32:150,120:-1',
                   help='comma-separated lo:hi per scale (original pixels, '
                   '-1 = unbounded)')
    p.add_argument('--chip-size', type=int, default=512)
    p.add_argument('--stride', default='32',
                   help='grid stride, or lo:hi to draw it per image')
    p.add_argument('--no-prune', action='store_true',
                   help='plain greedy (no redundant-chip pruning)')
    p.add_argument('--max-images', type=int, default=None)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--no-suggest', action='store_true',
                   help='skip the suggested configuration')
    p.add_argument('--show-dir', default=None,
                   help='draw the chips of --show-num images here')
    p.add_argument('--show-num', type=int, default=4)
    p.add_argument('--img-dir', default=None,
                   help='image folder for --show-dir (default: next to the '
                   'json, ../<split>/ for the synthetic layout)')
    return p.parse_args(argv)


def load_checked_records(ann_file):
    """Image records (see :mod:`mmsniper.chips.stats`) of a COCO json as
    training sees them, and the pre-flight report: the annotations the
    check drops (``dropped_anns``, mmdet's silent drops and NaN/inf) are
    left out and images without a usable size skipped."""
    from mmsniper.chips.stats import read_coco_json
    from mmsniper.datasets.preflight import check_coco
    coco = read_coco_json(ann_file)
    report = check_coco(coco, options=dict(check_images=False))
    report.source = ann_file
    per_img = {}
    for ann in coco['annotations']:
        per_img.setdefault(ann.get('image_id'), []).append(ann)
    records = []
    for img in coco['images']:
        if img['id'] in report.bad_images:
            continue
        gone = report.dropped_anns.get(img['id'], ())
        anns = [a for k, a in enumerate(per_img.get(img['id'], []))
                if k not in gone]
        boxes = np.array([a['bbox'] for a in anns],
                         dtype=np.float64).reshape(-1, 4)
        boxes[:, 2:] += boxes[:, :2]
        records.append(
            dict(id=img['id'], file_name=img.get('file_name', ''),
                 height=int(img['height']), width=int(img['width']),
                 bboxes=boxes,
                 ignore=np.array([bool(a.get('iscrowd', 0)) for a in anns],
                                 dtype=bool)))
    return records, report


def parse_stride(text):
    if ':' in text:
        lo, hi = text.split(':')
        return int(lo), int(hi)
    return int(text)


def print_stats(title, stats, scales, ranges):
    from mmsniper.chips.scales import describe_scales
    print(f'\n== {title}')
    print(f'{"scale":<24}{"range (px)":<16}{"chips/img":>10}'
          f'{"pixel frac":>12}{"valid boxes":>13}')
    for i, name in enumerate(describe_scales(scales)):
        lo, hi = ranges[i]
        print(f'{name:<24}{f"[{lo:g}, {hi:g})":<16}'
              f'{stats["chips_per_img"][i]:>10.2f}'
              f'{stats["pixel_frac"][i]:>12.3f}'
              f'{100 * stats["valid_frac_per_scale"][i]:>12.1f}%')
    print(f'{"total":<40}{stats["chips_per_img"].sum():>10.2f}'
          f'{stats["pixel_frac_total"]:>12.3f}')
    print(f'pixels per image: {stats["mpix_per_img"]:.2f} Mpix of chips vs '
          f'{stats["pyramid_mpix_per_img"]:.2f} Mpix for the full pyramid')
    print(f'boxes valid at some scale: {100 * stats["valid_frac"]:.2f}%   '
          f'valid boxes covered: {100 * stats["coverage"]:.2f}%   '
          f'{stats["ms_per_img"]:.2f} ms/image '
          f'({stats["num_images"]} images, {stats["num_boxes"]} boxes)')


def show(records, scales, ranges, args, out_dir):
    import cv2

    from mmsniper.chips import generate_chips
    from mmsniper.utils.io import check_writable_dir
    check_writable_dir(out_dir)
    img_dir = args.img_dir
    if img_dir is None:
        root = osp.dirname(osp.dirname(osp.abspath(args.ann_file)))
        split = osp.basename(args.ann_file).rsplit('.', 1)[0].split('_')[-1]
        img_dir = osp.join(root, split)
    for rec in records[:args.show_num]:
        path = osp.join(img_dir, rec['file_name'])
        img = cv2.imread(path)
        if img is None:
            print(f'cannot read {path}; skipped (use --img-dir)')
            continue
        res = generate_chips(rec['bboxes'], img.shape[:2], scales, ranges,
                             args.chip_size, parse_stride(args.stride),
                             gt_ignore_flags=rec['ignore'], seed=args.seed,
                             prune=not args.no_prune)
        valid = res.gt_valid.any(axis=1)
        for b, ok in zip(rec['bboxes'].astype(int), valid):
            cv2.rectangle(img, tuple(b[:2]), tuple(b[2:4]),
                          (0, 200, 0) if ok else (0, 0, 255), 1)
        for c, s, neg in zip(res.chips.astype(int), res.scale_inds,
                             res.is_negative):
            colour = SCALE_COLOURS[s % len(SCALE_COLOURS)]
            cv2.rectangle(img, tuple(c[:2]), tuple(c[2:4]), colour,
                          1 if neg else 2)
            cv2.putText(img, f's{s}', (int(c[0]) + 4, int(c[1]) + 16),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1)
        out = osp.join(out_dir, osp.basename(rec['file_name']))
        cv2.imwrite(out, img)
        print(f'wrote {out}: {len(res)} chips')


def main(argv=None):
    args = parse_args(argv)
    from mmsniper.chips.stats import chip_stats
    from mmsniper.chips.suggest import (describe_sizes, format_config,
                                        suggest_scales)
    records, report = load_checked_records(args.ann_file)
    print(report.summary() + ' (the check of training; image files not '
          'checked: see tools/misc/check_dataset.py)')
    if report.counts:
        print(report.format())
    records = records[:args.max_images]
    scales = tuple(float(v) for v in args.scales.split(','))
    ranges = tuple(
        tuple(float(x) for x in r.split(':'))
        for r in args.valid_ranges.split(','))
    stride = parse_stride(args.stride)
    kw = dict(chip_size=args.chip_size, stride=stride, seed=args.seed,
              prune=not args.no_prune)
    print(f'{args.ann_file}: {len(records)} images')
    print('box sizes sqrt(w*h):  ' + '  '.join(
        f'[{lo:g},{hi:g}): {100 * share:.1f}%'
        for lo, hi, _, share in describe_sizes(records)))
    print_stats('given configuration', chip_stats(records, scales, ranges,
                                                  **kw), scales, ranges)
    if not args.no_suggest:
        sug = suggest_scales(records, args.chip_size)
        print('\n== suggested from the box sizes (median long side '
              f'{sug["median_long_side"]:g} px):')
        print(format_config(sug, args.chip_size))
        for note in sug['notes']:
            print('note:', note)
        print_stats('suggested configuration',
                    chip_stats(records, sug['scales'], sug['valid_ranges'],
                               **kw), sug['scales'], sug['valid_ranges'])
    if args.show_dir:
        show(records, scales, ranges, args, args.show_dir)


if __name__ == '__main__':
    main()
