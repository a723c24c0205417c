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

The chip parameters (scales, valid ranges, chip size, stride, ...) are
the ``--scales``, ``--valid-ranges``, ``--chip-size`` and ``--stride``
given, else those of ``--config CONFIG`` (the ``chip_cfg`` of its training
``SniperDataset``, built as training builds it, after ``--cfg-options``),
else the defaults of :func:`~mmsniper.chips.generate_chips`. With a config
the json and the image folder default to those of its training dataset. The
suggestion prints as config lines (``scales = ...``) that paste into a
config's frequently changed parameters.

With ``--show-dir`` it draws the chips of a few images with OpenCV: the
given configuration and, beside it, the suggested one, each with a legend
(one colour per scale with its range and chip count; boxes green when
valid at some scale, red when at none, grey for crowd). Images are looked
for in ``--img-dir``, the config's image folder, beside the json, then in
``../<split>/`` of the json's folder (``annotations/instances_val.json``
next to ``val/``).

Example::

    python tools/analysis/chip_stats.py \\
        data/synthetic/bench/annotations/instances_val.json \\
        --show-dir work_dirs/chips
    python tools/analysis/chip_stats.py --config \\
        configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py \\
        --cfg-options train_dataloader.dataset.chip_cfg.chip_size=320
    python tools/analysis/chip_stats.py ann.json --scales 2,1,512 \\
        --valid-ranges -1:100,50:200,150:-1 --stride 56:59
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from chip_pictures import show  # noqa: E402
# CHIP_KEYS: re-exported, the tool's public names
from chip_stats_inputs import (CHIP_KEYS, chip_params,  # noqa: E402,F401
                               load_checked_records, read_config)

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
    from mmengine.config import DictAction
    argv = join_dash_values(sys.argv[1:] if argv is None else list(argv))
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('ann_file', nargs='?', default=None,
                   help='COCO detection json (default with --config: its '
                   'training json)')
    p.add_argument('--config', default=None,
                   help='read the chip parameters (and the json and image '
                   'folder) of this config\'s training SniperDataset')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override settings of --config (key=value, as '
                   'mmdet\'s tools)')
    p.add_argument('--scales', default=None,
                   help='comma-separated scale specs (numbers <= 16 are '
                   'factors, larger ones long-side targets in pixels; '
                   'default: the config\'s, else 3.0,1.667,512)')
    p.add_argument('--valid-ranges', default=None,
                   help='comma-separated lo:hi per scale (original pixels, '
                   '-1 = unbounded; default: the config\'s, else '
                   '-1:80,32:150,120:-1)')
    p.add_argument('--chip-size', type=int, default=None,
                   help='default: the config\'s, else 512')
    p.add_argument('--stride', default=None,
                   help='grid stride, or lo:hi to draw it per image '
                   '(default: the config\'s, else 32)')
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
                   help='image folder for --show-dir (default: the '
                   'config\'s, beside the json, or ../<split>/ of it)')
    args = p.parse_args(argv)
    if args.ann_file is None and args.config is None:
        p.error('give ANN_FILE or --config')
    if args.cfg_options and args.config is None:
        p.error('--cfg-options needs --config')
    return args


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


def main(argv=None):
    args = parse_args(argv)
    from mmsniper.chips.stats import chip_stats
    from mmsniper.chips.suggest import (describe_sizes, format_config,
                                        suggest_scales)
    config_chip_cfg, config_img_dir = None, None
    if args.config is not None:
        config_chip_cfg, ann_file, config_img_dir = read_config(
            args.config, args.cfg_options)
        args.ann_file = args.ann_file or ann_file
        if args.ann_file is None:
            raise ValueError(f'the training dataset of {args.config} has no '
                             'ann_file: give ANN_FILE')
        print(f'{args.config}: chip_cfg {config_chip_cfg}')
    params = chip_params(args, config_chip_cfg)
    records, report = load_checked_records(args.ann_file)
    print(report.summary() + ' (the check of training; image files not '
          'checked: see tools/misc/check_dataset.py)')
    if report.counts:
        print(report.format())
    records = records[:args.max_images]
    given = 'configuration of --config' if args.config else \
        'given configuration'
    print(f'{args.ann_file}: {len(records)} images')
    print('box sizes sqrt(w*h):  ' + '  '.join(
        f'[{lo:g},{hi:g}): {100 * share:.1f}%'
        for lo, hi, _, share in describe_sizes(records)))
    print_stats(given, chip_stats(records, seed=args.seed, **params),
                params['scales'], params['valid_ranges'])
    configs = [('given' if not args.config else 'config', params)]
    if not args.no_suggest:
        sug = suggest_scales(records, params['chip_size'])
        print('\n== suggested from the box sizes (median long side '
              f'{sug["median_long_side"]:g} px; paste into the config\'s '
              'frequently changed parameters):')
        print(format_config(sug, params['chip_size']))
        for note in sug['notes']:
            print('note:', note)
        suggested = dict(params, scales=sug['scales'],
                         valid_ranges=sug['valid_ranges'])
        print_stats('suggested configuration',
                    chip_stats(records, seed=args.seed, **suggested),
                    sug['scales'], sug['valid_ranges'])
        configs.append(('suggested', suggested))
    if args.show_dir:
        show(records, configs, args, args.show_dir,
             (args.img_dir, config_img_dir))


if __name__ == '__main__':
    try:
        main()
    except (FileNotFoundError, ValueError) as e:  # one line, as the tools
        print(f'chip_stats.py: error: {e}', file=sys.stderr)
        sys.exit(2)
