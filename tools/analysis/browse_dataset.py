# Copyright (c) mmsniper contributors. All rights reserved.
"""Browse the training samples of a config: mmdet's
``tools/analysis_tools/browse_dataset.py`` for SNIPER configs.

    python tools/analysis/browse_dataset.py CONFIG --output-dir DIR \\
        [--not-show] [--cfg-options sniper.chip_size=320 ...]

Same arguments and loop as mmdet's script, with the one step it lacks: the
config's ``sniper`` block is written into the dataset
(:func:`~mmsniper.engine.resolve_sniper_block`, as ``SniperRunner`` does
for training), so the chips drawn are the ones training uses. mmdet's own
script refuses a SNIPER config with a message pointing here (the dataset's
``chip_cfg=dict(from_block='sniper')`` is left unresolved there). With the
SNIPER runtime's visualizer (``FocusVisualizer``, a
``SniperLocalVisualizer``) every chip gets its own picture
(``IMAGE_s<scale>_x<x>_y<y>.jpg``) with its ignored boxes dashed; the loop
ends after ``len(dataset)`` samples.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description='Browse a dataset')
    p.add_argument('config', help='train config file path')
    p.add_argument('--output-dir', default=None,
                   help='save the pictures here (no display needed)')
    p.add_argument('--not-show', default=False, action='store_true')
    p.add_argument('--show-interval', type=float, default=2,
                   help='the interval of show (s)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, as in mmdet tools')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    import mmsniper  # noqa: F401  (registers the modules)
    from mmdet.registry import DATASETS, VISUALIZERS
    from mmsniper.engine import resolve_sniper_block
    resolve_sniper_block(cfg)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    visualizer = VISUALIZERS.build(cfg.visualizer)
    visualizer.dataset_meta = dataset.metainfo
    bar = ProgressBar(len(dataset))
    for item in dataset:  # SniperDataset raises IndexError at the end
        img = item['inputs'].permute(1, 2, 0).numpy()[..., [2, 1, 0]]
        sample = item['data_samples'].numpy()
        if 'bboxes' in sample.gt_instances and hasattr(
                sample.gt_instances.bboxes, 'tensor'):
            sample.gt_instances.bboxes = sample.gt_instances.bboxes.tensor
        name = osp.basename(sample.img_path)
        visualizer.add_datasample(
            name, img, sample, draw_pred=False, show=not args.not_show,
            wait_time=args.show_interval,
            out_file=osp.join(args.output_dir, name)
            if args.output_dir is not None else None)
        bar.update()
    return len(dataset)


if __name__ == '__main__':
    main()
