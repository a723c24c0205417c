"""Test a detector: ``python tools/test.py CONFIG CHECKPOINT [--tta]``.

mmdet 3.3's ``tools/test.py`` plus ``--out *.json`` (COCO detections for
any dataset), ``--format-only`` and ``--metrics-out``; arguments are checked
before anything is built (a bad one: one line ``error: ...``, exit 2). The
config chooses the test (CKPT is the training checkpoint in every case):

    # one scale; --tta: its tta_model (AutoFocus here, SNIPER pyramid for a
    # SNIPER config); the leaf configs: the same AutoFocus, the full pyramid
    python tools/test.py configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py CKPT [--tta]
    python tools/test.py configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_autofocus-test.py CKPT
    python tools/test.py configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_pyramid-test.py CKPT

``--tta`` on a leaf config, or on a config without ``tta_model`` /
``tta_pipeline`` (``configs/_base_/tta/``), exits 2 saying so.
"""  # noqa: E501
import argparse
import json
import os
from typing import List, Optional

from mmdet.engine.hooks.utils import trigger_visualization_hook
from mmdet.evaluation import DumpDetResults
from mmdet.registry import RUNNERS
from mmdet.utils import setup_cache_size_limit_of_dynamo
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmsniper.apis import tta_config
from mmsniper.apis.tool_helpers import (check_file, check_output_file,
                                        exit_bad_argument, load_config)
from mmsniper.evaluation import DumpCocoJson
from mmsniper.utils import atomic_write, teardown


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='MMDet test (and eval) a model')
    parser.add_argument(
        'config',
        help='a training config (with --tta: its tta_model) or a test-time '
        'leaf config (*_pyramid-test.py, *_autofocus-test.py)')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file (the training checkpoint, also for --tta and '
        'the *-test.py configs)')
    parser.add_argument('--work-dir', help='folder for logs and outputs')
    parser.add_argument(
        '--out',
        help='dump predictions: a .pkl (mmdet raw results) or a .json '
        '(COCO-format detections, for any dataset)')
    parser.add_argument(
        '--format-only',
        action='store_true',
        help='only write --out (a .json), skip evaluation; for test sets '
        'without annotations (evaluation servers)')
    parser.add_argument(
        '--metrics-out', help='write the evaluation metrics to this json')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir', help='save painted images to work_dir/<time>/SHOW_DIR')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file (as mmdet)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--tta',
        action='store_true',
        help="test with the config's tta_model and tta_pipeline: the SNIPER "
        'pyramid (configs/_base_/tta/sniper_pyramid.py) or AutoFocus '
        '(configs/_base_/tta/autofocus.py); not for a *-test.py config')
    # `torch.distributed.launch` of PyTorch >= 2.0 passes `--local-rank`
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def ann_file_of(cfg: Config) -> Optional[str]:
    """The annotation file of the test dataset (under its wrappers), whose
    categories give the ids of a COCO json ``--out``."""
    from mmsniper.utils.dataset_walk import leaf_dataset_cfgs
    ds = leaf_dataset_cfgs(cfg.test_dataloader.dataset)[0]
    ann = ds.get('ann_file')
    if ann and not os.path.isabs(ann) and ds.get('data_root'):
        ann = os.path.join(ds['data_root'], ann)
    return ann


def main(argv: Optional[List[str]] = None) -> dict:
    """Returns the metrics (``coco/bbox_mAP``, ..., and with a test-time
    wrapper ``pixels/*``), for callers that run it in-process."""
    args = parse_args(argv)

    # Reduce the number of repeated compilations and improve
    # testing speed.
    setup_cache_size_limit_of_dynamo()

    try:
        # inputs and outputs first: nothing is built for a bad argument
        check_file(args.checkpoint, 'checkpoint file')
        if args.out:
            check_output_file(args.out, '--out', ('.pkl', '.pickle', '.json'))
        if args.format_only and not (args.out or '').endswith('.json'):
            raise ValueError('--format-only needs --out FILE.json')
        if args.metrics_out:
            check_output_file(args.metrics_out, '--metrics-out')

        # load config: file, --cfg-options, sniper block, work_dir (CLI >
        # segment in file > filename), launcher
        cfg = load_config(args.config, args.launcher, args.cfg_options,
                          args.work_dir)
        cfg.load_from = args.checkpoint

        if args.show or args.show_dir:
            cfg = trigger_visualization_hook(cfg, args)

        # the config's tta_model around its model, tta_pipeline as the test
        # pipeline (mmdet's --tta, without its silent flip-TTA fallback)
        if args.tta:
            cfg = tta_config(cfg)
    except (KeyError, RuntimeError, ValueError) as e:
        exit_bad_argument(e)

    # build the runner from config
    if 'runner_type' not in cfg:
        # build the default runner
        runner = Runner.from_cfg(cfg)
    else:
        # build customized runner from the registry
        # if 'runner_type' is set in the cfg
        runner = RUNNERS.build(cfg)

    if args.format_only:
        runner.test_evaluator.metrics.clear()
    # add a dump metric: mmdet's pickle, or a COCO json for any dataset
    if args.out:
        if args.out.endswith('.json'):
            dump = DumpCocoJson(out_file=args.out, ann_file=ann_file_of(cfg))
        else:
            dump = DumpDetResults(out_file_path=args.out)
        # the test loop (built on first access) has already handed the
        # dataset meta to its metrics; give it to the one we add as well
        dump.dataset_meta = runner.test_evaluator.dataset_meta
        runner.test_evaluator.metrics.append(dump)

    # start testing
    metrics = runner.test()
    if args.metrics_out and runner.rank == 0:
        with atomic_write(args.metrics_out) as f:
            json.dump({k: float(v) if isinstance(v, (int, float)) else v
                       for k, v in metrics.items()}, f, indent=2)
    # the ranks leave together (a rank leaving while the others still use
    # gloo occasionally aborted at interpreter shutdown)
    teardown(exit_process=True)
    return metrics


if __name__ == '__main__':
    main()
