"""Logic behind ``tools/train.py`` and ``tools/test.py``.

The tools stay thin (argument parsing in, :func:`train` / :func:`test` out);
everything here follows mmdet 3.3's own tools so an mmdet user finds the same
flags: ``--work-dir``, ``--resume``, ``--amp``, ``--cfg-options``,
``--launcher``; for testing also ``--out`` (``.pkl`` like mmdet, or ``.json``
for COCO-format detections of any dataset), ``--show-dir`` and ``--tta``.

What the test runs is chosen by the config, as in mmdet:

- a training config: its detector at one scale;
- a training config with ``--tta``: its ``tta_model`` around the detector
  and its ``tta_pipeline`` (:func:`~mmsniper.apis.tta.tta_config`), the
  SNIPER pyramid (``configs/_base_/tta/sniper_pyramid.py``, every SNIPER
  config) or AutoFocus (``configs/_base_/tta/autofocus.py``, the AutoFocus
  configs);
- a test-time leaf config (``*_pyramid-test.py``, ``*_autofocus-test.py``),
  whose ``model`` is that wrapper, without ``--tta``.

The checkpoint is always the training checkpoint (the inner detector's
weights; mmengine loads them into a wrapper's ``module``). mmdet's own
``tools/test.py`` behaves the same on these configs.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from ..engine.sniper_block import resolve_sniper_block
from ..utils.dist import init_launcher, teardown
from ..utils.io import atomic_write, check_writable_dir
from .tta import is_tta_model, tta_config


class ToolError(Exception):
    """A bad argument of a tool: printed as one line, exit code 2."""


def _common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='folder for logs and outputs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (as in mmdet)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description='Train a detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp', action='store_true', help='mixed-precision training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true', help='scale lr by batch')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or (no value) from the latest '
        'checkpoint in the work dir')
    _common_args(parser)
    return parser


def test_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument(
        'config',
        help='a training config (with --tta: its tta_model) or a test-time '
        'leaf config (*_pyramid-test.py, *_autofocus-test.py)')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file (the training checkpoint, also for --tta and '
        'the *_pyramid-test.py / *_autofocus-test.py configs)')
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
        '--metrics-out',
        help='write the evaluation metrics to this json file')
    parser.add_argument('--show', action='store_true', help='show results')
    parser.add_argument(
        '--show-dir', help='save painted images to work_dir/<time>/SHOW_DIR')
    parser.add_argument('--wait-time', type=float, default=2)
    parser.add_argument(
        '--tta',
        action='store_true',
        help="test with the config's tta_model and tta_pipeline: the SNIPER "
        'pyramid (configs/_base_/tta/sniper_pyramid.py) or AutoFocus '
        '(configs/_base_/tta/autofocus.py); not for a *-test.py config, '
        'whose model already is the test-time wrapper')
    _common_args(parser)
    return parser


def load_config(args: argparse.Namespace) -> Config:
    """Load ``args.config`` and apply the options shared by train and test."""
    if not osp.isfile(args.config):
        raise ToolError(f'config file not found: {args.config}')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    try:  # a typo or a contradiction in the SNIPER block fails here
        resolve_sniper_block(cfg)
    except (KeyError, ValueError) as e:
        raise ToolError(str(e.args[0] if e.args else e)) from e
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    try:
        check_writable_dir(cfg.work_dir)
    except ValueError as e:
        raise ToolError(str(e)) from e
    try:
        init_launcher(cfg.launcher, cfg)
    except RuntimeError as e:
        raise ToolError(str(e)) from e
    return cfg


def setup_cpu_distributed(cfg: Config) -> None:
    """Make ``--launcher pytorch`` work on machines without CUDA (kept for
    compatibility: :func:`mmsniper.utils.init_launcher` does it)."""
    init_launcher('pytorch', cfg)


def build_runner(cfg: Config) -> Runner:
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    from mmdet.registry import RUNNERS
    return RUNNERS.build(cfg)


def train(argv: Optional[List[str]] = None) -> None:
    """Entry point of ``tools/train.py``.

    Args:
        argv (list[str], optional): The command line without the program
            name (see :func:`train_parser`). Defaults to ``sys.argv[1:]``.

    Raises:
        ToolError: A bad argument (missing file, bad ``sniper`` block, a
            test-time leaf config).
    """
    from mmdet.utils import setup_cache_size_limit_of_dynamo
    args = train_parser().parse_args(argv)
    setup_cache_size_limit_of_dynamo()
    cfg = load_config(args)
    if is_tta_model(cfg.model):
        raise ToolError(
            f'{args.config}: its model is a test-time wrapper '
            f'({cfg.model.type}, a *-test.py config for tools/test.py); '
            'train with the training config it inherits')
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ToolError('--auto-scale-lr needs auto_scale_lr.'
                            'base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise ToolError(f'checkpoint to resume not found: {args.resume}')
        cfg.resume = True
        cfg.load_from = args.resume
    build_runner(cfg).train()


def _enable_visualization(cfg: Config, args: argparse.Namespace) -> None:
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise ToolError('--show/--show-dir need default_hooks.visualization '
                        'in the config')
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        hook['test_out_dir'] = args.show_dir


def _enable_tta(cfg: Config) -> Config:
    """:func:`tta_config` with its errors as :class:`ToolError`."""
    try:
        return tta_config(cfg)
    except (KeyError, ValueError) as e:
        raise ToolError(str(e.args[0] if e.args else e)) from e


def _test_ann_file(cfg: Config) -> Optional[str]:
    ds = cfg.test_dataloader.dataset
    while 'dataset' in ds:
        ds = ds['dataset']
    ann = ds.get('ann_file')
    if ann and not osp.isabs(ann) and ds.get('data_root'):
        ann = osp.join(ds['data_root'], ann)
    return ann


def _check_metrics_out(path: str) -> None:
    """``--metrics-out`` is written after the whole test: check up front
    that it can be (its folder writable, the path not a folder)."""
    if osp.isdir(path):
        raise ToolError(f'--metrics-out {path}: is a directory, not a file')
    try:
        check_writable_dir(osp.dirname(osp.abspath(path)))
    except ValueError as e:
        raise ToolError(f'--metrics-out {path}: {e}') from e


def test(argv: Optional[List[str]] = None) -> dict:
    """Entry point of ``tools/test.py``.

    Args:
        argv (list[str], optional): The command line without the program
            name (see :func:`test_parser`). Defaults to ``sys.argv[1:]``.

    Returns:
        dict: The metrics (``coco/bbox_mAP``, ..., and with a test-time
        wrapper ``pixels/*`` of ``ProcessedPixelsMetric``).

    Raises:
        ToolError: A bad argument: a missing file, ``--tta`` on a config
            without ``tta_model`` / ``tta_pipeline`` or on a leaf config
            whose model already is a wrapper, a bad ``--out``.
    """
    from mmdet.evaluation import DumpDetResults
    from mmdet.utils import setup_cache_size_limit_of_dynamo

    from ..evaluation import DumpCocoJson
    args = test_parser().parse_args(argv)
    setup_cache_size_limit_of_dynamo()
    if not osp.isfile(args.checkpoint):
        raise ToolError(f'checkpoint file not found: {args.checkpoint}')
    if args.out and not args.out.endswith(('.pkl', '.pickle', '.json')):
        raise ToolError(f'--out must be a .pkl or .json file, got {args.out}')
    if args.format_only and not (args.out or '').endswith('.json'):
        raise ToolError('--format-only needs --out FILE.json')
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.out:
        try:
            check_writable_dir(osp.dirname(osp.abspath(args.out)))
        except ValueError as e:
            raise ToolError(str(e)) from e
    if args.metrics_out:
        _check_metrics_out(args.metrics_out)
    if args.show or args.show_dir:
        _enable_visualization(cfg, args)
    if args.tta:
        cfg = _enable_tta(cfg)
    runner = build_runner(cfg)
    if args.format_only:
        runner.test_evaluator.metrics.clear()
    if args.out:
        if args.out.endswith('.json'):
            dump = DumpCocoJson(out_file=args.out,
                                ann_file=_test_ann_file(cfg))
        else:
            dump = DumpDetResults(out_file_path=args.out)
        # the test loop (built on first access) has already handed the
        # dataset meta to its metrics; give it to the one we add as well
        dump.dataset_meta = runner.test_evaluator.dataset_meta
        runner.test_evaluator.metrics.append(dump)
    metrics = runner.test()
    if args.metrics_out and runner.rank == 0:
        with atomic_write(args.metrics_out) as f:
            json.dump({k: float(v) if isinstance(v, (int, float)) else v
                       for k, v in metrics.items()}, f, indent=2)
    return metrics


def run_tool(fn, argv: Optional[List[str]] = None) -> None:
    """Run a tool entry point; bad arguments exit 2 with one clear line.

    After a successful distributed run, the ranks meet at a barrier and the
    process group is destroyed before the process exits: a rank leaving
    while the others still use gloo occasionally aborted at interpreter
    shutdown ("terminate called without an active exception").
    """
    try:
        fn(argv)
    except ToolError as e:
        print(f'error: {e}', file=sys.stderr)
        sys.exit(2)
    teardown()
