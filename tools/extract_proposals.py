"""Write the proposals of a trained RPN for SNIPER's negative chips.

    python tools/extract_proposals.py RPN_CONFIG CHECKPOINT [--out FILE]

Runs the RPN (step (a) of the negative chip mining, e.g.
configs/sniper/sniper_rpn_r101_fpn_8xb16-amp-2e_coco.py) over every image of
the config's *training* set (the dataset wrapped by its SniperDataset) at the
training scales (``chip_cfg.scales``), keeps the top N proposals per scale
(after the RPN's NMS at 0.7), merges the scales with one more NMS at 0.7 and
writes a proposal file keyed by image id (format:
mmsniper/datasets/proposals.py, docs/sniper_training.md). Distributed:
``--launcher pytorch`` (torchrun) splits the images over the processes, on
GPUs (nccl) or, without CUDA, on CPU processes (gloo; see
mmsniper/utils/dist.py); the file is the same as with one process.
"""
import argparse
import os.path as osp
import sys
import time

from mmengine.config import Config, DictAction


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
        'WORK_DIR/proposals_train.pkl next to the checkpoint)')
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


def main(argv=None) -> int:
    args = parse_args(argv)
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                 'checkpoint')):
        if not osp.isfile(path):
            print(f'error: {what} file not found: {path}', file=sys.stderr)
            return 2
    from mmengine.dist import get_dist_info
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    from mmsniper.datasets.proposals import save_proposals
    from mmsniper.engine.proposal_extraction import (build_image_dataset,
                                                     extract_proposals,
                                                     sniper_train_cfg)
    from mmsniper.utils import init_launcher, teardown
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    from mmsniper.engine import resolve_sniper_block
    resolve_sniper_block(cfg)  # the scales of the `sniper` block
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    import mmsniper  # noqa: F401  (registers the modules)
    from mmdet.registry import MODELS

    try:
        init_launcher(args.launcher, local_rank=args.local_rank)
    except RuntimeError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    rank, _ = get_dist_info()

    dataset_cfg, chip_cfg = sniper_train_cfg(cfg)
    scales = tuple(args.scales) if args.scales else chip_cfg.get(
        'scales', (3.0, 1.667, 512))
    rpn_test = (cfg.model.get('test_cfg', None) or {}).get('rpn', {})
    num = args.num_per_scale or rpn_test.get('max_per_img', 300)
    if rpn_test:
        rpn_test.max_per_img = max(num, rpn_test.get('max_per_img', 0))
    out = args.out or cfg.train_dataloader.dataset.get(
        'proposal_file', None) or osp.join(
        osp.dirname(osp.abspath(args.checkpoint)), 'proposals_train.pkl')
    from mmsniper.utils.io import check_writable_dir
    try:  # fail now, not after hours of extraction
        check_writable_dir(osp.dirname(osp.abspath(out)))
    except ValueError as e:
        print(f'error: --out {out}: {e}', file=sys.stderr)
        return 2

    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    import torch
    if torch.cuda.is_available():
        model = model.cuda()
    dataset = build_image_dataset(dataset_cfg)
    if rank == 0:
        print(f'extracting proposals of {len(dataset)} images at scales '
              f'{list(scales)}, top {num} per scale')
    t = time.time()
    props = extract_proposals(
        model,
        dataset,
        scales=scales,
        num_per_scale=num,
        nms_iou=args.nms_iou if args.nms_iou > 0 else None,
        backend_args=dataset_cfg.get('backend_args', None),
        # the ranks' parts meet beside the output (not in ./.dist_test)
        tmpdir=osp.join(osp.dirname(osp.abspath(out)),
                        '.' + osp.basename(out) + '.parts'))
    if rank == 0:
        save_proposals(
            out,
            props,
            meta=dict(
                config=args.config,
                checkpoint=args.checkpoint,
                scales=list(scales),
                num_per_scale=num,
                rpn_nms=rpn_test.get('nms', None),
                merge_nms_iou=args.nms_iou,
                seconds=round(time.time() - t, 1)))
        print(f'wrote {out} ({len(props)} images)')
    teardown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
