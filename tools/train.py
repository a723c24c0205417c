"""Train a detector: ``python tools/train.py CONFIG [--work-dir ...]``.

mmdet 3.3's ``tools/train.py`` with the same flags, plus checks before
anything is built (mmsniper.apis.tool_helpers): a missing file, an
unwritable work dir, a bad ``sniper`` block or a test-time leaf config
prints one line ``error: ...`` and exits with code 2. ``--launcher
pytorch`` also runs without CUDA (gloo, mmsniper.utils.init_launcher).

Train with the training config (e.g.
``configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py``),
not a ``*_pyramid-test.py`` / ``*_autofocus-test.py`` leaf config; its
checkpoint is tested with ``tools/test.py CONFIG CKPT --tta`` (the config's
``tta_model``: SNIPER pyramid or AutoFocus) or with a leaf config. mmdet's
own ``tools/train.py`` trains the same configs with the same losses.
"""
import argparse
import os
from typing import List, Optional

from mmdet.utils import setup_cache_size_limit_of_dynamo
from mmengine.config import DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmsniper.apis import is_tta_model
from mmsniper.apis.tool_helpers import (check_file, exit_bad_argument,
                                        load_config)
from mmsniper.utils import teardown


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='enable automatically scaling LR.')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='If specify checkpoint path, resume from it, while if not '
        'specify, try to auto resume from the latest checkpoint '
        'in the work directory.')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # When using PyTorch version >= 2.0.0, the `torch.distributed.launch`
    # will pass the `--local-rank` parameter to `tools/train.py` instead
    # of `--local_rank`.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)

    # Reduce the number of repeated compilations and improve
    # training speed.
    setup_cache_size_limit_of_dynamo()

    try:
        # load config: file, --cfg-options, sniper block, work_dir (CLI >
        # segment in file > filename), launcher; checked before any build
        cfg = load_config(args.config, args.launcher, args.cfg_options,
                          args.work_dir)
        if is_tta_model(cfg.model):
            raise ValueError(
                f'{args.config}: its model is a test-time wrapper '
                f'({cfg.model.type}, a *-test.py config for tools/test.py); '
                'train with the training config it inherits')

        # enable automatic-mixed-precision training
        if args.amp:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

        # enable automatically scaling LR
        if args.auto_scale_lr:
            if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
                raise ValueError('--auto-scale-lr needs auto_scale_lr.'
                                 'base_batch_size in the config')
            cfg.auto_scale_lr.enable = True

        # resume is determined in this priority: resume from > auto_resume
        if args.resume == 'auto':
            cfg.resume = True
            cfg.load_from = None
        elif args.resume is not None:
            cfg.resume = True
            cfg.load_from = check_file(args.resume, 'checkpoint to resume')
    except ValueError as e:
        exit_bad_argument(e)

    # build the runner from config
    if 'runner_type' not in cfg:
        # build the default runner
        runner = Runner.from_cfg(cfg)
    else:
        # build customized runner from the registry
        # if 'runner_type' is set in the cfg
        runner = RUNNERS.build(cfg)

    # start training
    runner.train()
    # the ranks leave together (a rank leaving while the others still use
    # gloo occasionally aborted at interpreter shutdown)
    teardown(exit_process=True)


if __name__ == '__main__':
    main()
