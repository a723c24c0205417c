# Copyright (c) mmsniper contributors. All rights reserved.
"""Pre-flight check of a config's dataset, without training.

The check :class:`~mmsniper.datasets.SniperDataset` runs when training
starts (:mod:`mmsniper.datasets.preflight`): image files (missing,
unreadable, truncated), declared image sizes, boxes (NaN/inf, degenerate,
outside the image, unknown category, partly outside). Prints the counts
per reason with the first offenders; exits with 1 when a problem whose
policy is ``error`` is found (training would stop there), 0 otherwise.

Example::

    python tools/misc/check_dataset.py \\
        configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py
    python tools/misc/check_dataset.py CONFIG --split val --decode \\
        --cfg-options train_dataloader.dataset.dataset.data_root=data/x/
"""
import argparse
import os.path as osp
import sys

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))


def parse_args(argv=None) -> argparse.Namespace:
    from mmsniper.datasets.preflight import POLICIES
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='training config')
    p.add_argument('--split', choices=('train', 'val', 'test'),
                   default='train', help='dataloader to check (train)')
    p.add_argument('--decode', action='store_true',
                   help='fully decode every image (slow; default: header '
                   'and end of file only)')
    p.add_argument('--policy', choices=POLICIES, default=None,
                   help='one policy for every problem (default: the '
                   "config's SniperDataset preflight options, else image "
                   'and size problems error, box problems warn)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.utils import ProgressBar

    from mmsniper.datasets.preflight import REASONS, PreflightError
    from mmsniper.datasets.preflight_wrappers import preflight_dataset_cfg
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    options = dict(decode=True) if args.decode else {}
    if args.policy:
        options.update({k: args.policy for k in ('image', 'size', 'box',
                                                  *REASONS)})
    reports = preflight_dataset_cfg(
        cfg[f'{args.split}_dataloader']['dataset'], options,
        progress=lambda n: ProgressBar(n).update)
    failed = False
    for rep in reports:
        print(f'\n{rep.summary()}')
        if rep.counts:
            print(rep.format())
        try:
            rep.raise_on_error()
        except PreflightError as e:
            failed = True
            print(str(e).split('\n')[0])
    print('\nresult: ' + ('FAILED (a problem with policy error: training '
                          'would stop at start)' if failed else 'OK'))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
