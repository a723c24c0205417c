"""Write the proposals of a trained RPN for SNIPER's negative chips.

    python tools/extract_proposals.py RPN_CONFIG CHECKPOINT [--out FILE]

Runs the RPN (step (a) of the negative chip mining, e.g.
configs/rpn/sniper_rpn_r101_fpn_8xb16-amp-2e_coco.py) over every image of
the config's *training* set (the dataset wrapped by its SniperDataset) at the
training scales (``chip_cfg.scales``), keeps the top N proposals per scale
(after the RPN's NMS at 0.7), merges the scales with one more NMS at 0.7 and
writes a proposal file keyed by image id (format:
mmsniper/datasets/proposals.py, docs/sniper_training.md).

It is mmengine's ``Runner.test``: the model is ``SniperProposalTTA`` around
the RPN (mmsniper/models/test_time/proposal_tta.py), the evaluator
``DumpSniperProposals`` (mmdet's ``DumpProposals`` writing this format,
all-or-nothing; mmsniper/evaluation/dump_sniper_proposals.py). Distributed:
``--launcher pytorch`` (torchrun) splits the images over the processes, on
GPUs (nccl) or, without CUDA, on CPU processes (gloo; see
mmsniper/utils/dist.py); rank 0 collects the parts (beside the output) and
writes the same file as one process.
"""
import argparse
import copy
import os.path as osp
import sys

from mmengine.config import Config, ConfigDict, DictAction

#: Metainfo the extraction needs from the loading pipeline.
META_KEYS = ('img_id', 'img_path', 'ori_shape', 'img_shape')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Extract RPN proposals of the training images at the '
        'training scales (SNIPER negative chip mining, step b)')
    parser.add_argument('config', help='RPN config (its train_dataloader '
                        'gives the images and the scales)')
    parser.add_argument('checkpoint', help='trained RPN checkpoint')
    parser.add_argument(
        '--out',
        help='output .pkl (default: the proposal_file of the config, else '
        'proposals_train.pkl next to the checkpoint)')
    parser.add_argument(
        '--work-dir',
        help='folder of the logs (default: the folder of the checkpoint)')
    parser.add_argument(
        '--num-per-scale',
        type=int,
        default=None,
        help='proposals kept per image and scale (default: the RPN '
        'test_cfg max_per_img, else 300)')
    parser.add_argument(
        '--nms-iou',
        type=float,
        default=0.7,
        help='IoU of the NMS that merges the scales (default 0.7; <= 0 '
        'turns it off)')
    parser.add_argument(
        '--scales',
        type=float,
        nargs='+',
        help='override the scales (factors, or long sides > 16)')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=2,
        help='dataloader workers per process (default 2)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser.parse_args(argv)


def sniper_train_cfg(cfg: Config):
    """The wrapped dataset config and the ``chip_cfg`` of a config whose
    ``train_dataloader.dataset`` is (or wraps) a ``SniperDataset`` (a plain
    dataset config is returned as is, with an empty ``chip_cfg``)."""
    from mmsniper.datasets import SniperDataset
    from mmsniper.utils.dataset_walk import find_dataset_cfg
    ds = cfg.train_dataloader.dataset
    sniper = find_dataset_cfg(ds, SniperDataset)
    if sniper is not None:
        return sniper['dataset'], dict(sniper.get('chip_cfg', None) or {})
    return ds, {}


def _load_images(leaf: dict) -> dict:
    leaf['pipeline'] = [
        dict(type='LoadImageFromFile',
             backend_args=leaf.get('backend_args', None)),
        dict(type='PackDetInputs', meta_keys=META_KEYS)
    ]
    return leaf


def _no_mixing(wrapper: dict) -> dict:
    if 'pipeline' in wrapper:
        wrapper['pipeline'] = []  # a wrapper's own (mixing) pipeline
    return wrapper


def image_dataset_cfg(dataset_cfg: dict) -> dict:
    """``dataset_cfg`` whose leaf datasets (under ``dataset`` / ``datasets``
    of wrappers) load the original images only: ``LoadImageFromFile`` (with
    the leaf's ``backend_args``) and ``PackDetInputs`` of
    :data:`META_KEYS`; a wrapper's own pipeline is emptied."""
    from mmsniper.utils.dataset_walk import map_dataset_cfg
    return map_dataset_cfg(
        ConfigDict(copy.deepcopy(dict(dataset_cfg))), _load_images,
        _no_mixing)


def runner_cfg(cfg: Config, args, scales, num: int, out: str) -> Config:
    """The config of the ``Runner`` whose ``test()`` writes ``out``."""
    dataset_cfg, _ = sniper_train_cfg(cfg)
    rpn_test = (cfg.model.get('test_cfg', None) or {}).get('rpn', {})
    nms_iou = args.nms_iou if args.nms_iou > 0 else None
    meta = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        scales=list(scales),
        num_per_scale=num,
        rpn_nms=rpn_test.get('nms', None),
        merge_nms_iou=args.nms_iou)
    return Config(
        dict(
            default_scope=cfg.get('default_scope', 'mmdet'),
            model=dict(
                type='SniperProposalTTA',
                module=cfg.model,
                scales=list(scales),
                num_per_scale=num,
                nms_iou=nms_iou),
            test_dataloader=dict(
                batch_size=1,
                num_workers=args.num_workers,
                persistent_workers=False,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=image_dataset_cfg(dataset_cfg)),
            test_evaluator=dict(
                type='DumpSniperProposals',
                proposals_file=out,
                meta=meta,
                # the ranks' parts meet beside the output
                collect_dir=osp.join(
                    osp.dirname(osp.abspath(out)),
                    '.' + osp.basename(out) + '.parts')),
            test_cfg=dict(type='TestLoop'),
            env_cfg=cfg.get('env_cfg', dict(dist_cfg=dict(backend='nccl'))),
            default_hooks=dict(logger=dict(type='LoggerHook', interval=50)),
            log_level=cfg.get('log_level', 'INFO'),
            load_from=args.checkpoint,
            launcher=args.launcher,
            work_dir=args.work_dir
            or osp.dirname(osp.abspath(args.checkpoint))))


def main(argv=None) -> int:
    args = parse_args(argv)
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                 'checkpoint')):
        if not osp.isfile(path):
            print(f'error: {what} file not found: {path}', file=sys.stderr)
            return 2
    if args.num_per_scale is not None and args.num_per_scale < 1:
        print(f'error: --num-per-scale must be >= 1, got '
              f'{args.num_per_scale}', file=sys.stderr)
        return 2
    from mmengine.dist import get_dist_info
    from mmengine.runner import Runner

    import mmsniper  # noqa: F401  (registers the modules)
    from mmsniper.engine import resolve_sniper_block
    from mmsniper.utils import init_launcher, teardown
    from mmsniper.utils.io import check_writable_dir
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    resolve_sniper_block(cfg)  # the scales of the `sniper` block

    from mmsniper.chips import DEFAULT_SCALES
    _, chip_cfg = sniper_train_cfg(cfg)  # generate_chips' default scales
    scales = tuple(args.scales) if args.scales else tuple(
        chip_cfg.get('scales', DEFAULT_SCALES))
    rpn_test = (cfg.model.get('test_cfg', None) or {}).get('rpn', {})
    num = args.num_per_scale or rpn_test.get('max_per_img', 300)
    if rpn_test:  # the RPN returns at least the N kept per scale
        rpn_test.max_per_img = max(num, rpn_test.get('max_per_img', 0))
    out = args.out or cfg.train_dataloader.dataset.get(
        'proposal_file', None) or osp.join(
        osp.dirname(osp.abspath(args.checkpoint)), 'proposals_train.pkl')
    try:  # fail now, not after hours of extraction
        check_writable_dir(osp.dirname(osp.abspath(out)))
    except ValueError as e:
        print(f'error: --out {out}: {e}', file=sys.stderr)
        return 2

    rcfg = runner_cfg(cfg, args, scales, num, out)
    try:
        init_launcher(args.launcher, cfg=rcfg, local_rank=args.local_rank)
    except RuntimeError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    rank, _ = get_dist_info()
    if rank == 0:
        print(f'extracting proposals at scales {list(scales)}, top {num} '
              'per scale')
    metrics = Runner.from_cfg(rcfg).test()
    if rank == 0:
        print(f'wrote {out} ({metrics["dump_proposals/num_images"]} '
              'images)')
    teardown(exit_process=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
