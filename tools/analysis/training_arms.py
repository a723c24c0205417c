"""The training data of each arm of ``benchmark_training.py``: mmdet's
multi-scale full-image pipeline at SNIPER's scales, the arm's dataloader
config (SNIPER chips, chips with negative chips, uniform tiles, full
images), and the inputs and content pixels per source image each arm
trains on."""
import copy

import numpy as np


def full_image_pipeline(scales, backend_args=None) -> list:
    """mmdet's standard multi-scale training pipeline at SNIPER's scales."""
    from mmsniper.chips.scales import parse_scale
    choices = []
    for spec in scales:
        kind, a, b = parse_scale(spec)
        if kind == 'factor':
            resize = dict(type='Resize', scale_factor=a, keep_ratio=True)
        elif kind == 'long':
            resize = dict(type='Resize', scale=(int(a), int(a)),
                          keep_ratio=True)
        else:
            resize = dict(type='Resize', scale=(int(b), int(a)),
                          keep_ratio=True)
        choices.append([resize])
    return [
        dict(type='LoadImageFromFile', backend_args=backend_args),
        dict(type='LoadAnnotations', with_bbox=True),
        dict(type='RandomChoice', transforms=choices),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackDetInputs')
    ]


def arm_dataloader(cfg, args) -> dict:
    """The training dataloader config of ``args.arm``."""
    dl = copy.deepcopy(cfg.train_dataloader)
    dl.num_workers = 0
    dl.persistent_workers = False
    chip_cfg = dl.dataset.chip_cfg
    inner = dl.dataset.dataset
    if args.arm == 'sniper':
        return dl
    if args.arm == 'sniper_neg':
        dl.dataset.use_neg_chips = True
        dl.dataset.proposal_file = args.proposal_file
        return dl
    if args.arm == 'full':
        inner.pipeline = full_image_pipeline(
            chip_cfg.scales, inner.get('backend_args', None))
        return dict(batch_size=args.full_batch_size, num_workers=0,
                    sampler=dict(type='DefaultSampler', shuffle=True),
                    batch_sampler=dict(type='AspectRatioBatchSampler'),
                    dataset=inner)
    for t in inner.pipeline:  # tiles: every kept box is trained
        if t['type'] == 'SnipChipCrop':
            t['min_box_side'] = 0
    dl.dataset = dict(
        type='TileDataset', dataset=inner,
        tile_size=args.tile_size or int(chip_cfg.chip_size),
        overlap=args.tile_overlap, min_area_ratio=args.tile_min_area_ratio,
        scales=tuple(chip_cfg.scales) if args.arm == 'tiles_ms' else (1.0, ))
    return dl


def pyramid_pixels(dataset, scales) -> float:
    """Mean content pixels of the image pyramid of ``dataset``'s images."""
    from mmsniper.chips.scales import scale_factor, scaled_size
    tot = 0.0
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        hw = (info['height'], info['width'])
        tot += sum(np.prod(scaled_size(hw, scale_factor(s, hw)))
                   for s in scales)
    return tot / max(len(dataset), 1)


def inputs_and_pixels(dataset, scales):
    """Inputs and content pixels per source image (all scales)."""
    from mmsniper.datasets import SniperDataset
    from mmsniper.utils.dataset_walk import find_dataset
    sniper = find_dataset(dataset, SniperDataset)
    if sniper is not None:
        st = sniper.stats
        return (st['num_chips'] / max(st['images_with_chips'], 1),
                st['pixels_per_image'])
    if type(dataset).__name__ == 'TileDataset':
        return dataset.stats['tiles_per_image'], \
            dataset.stats['pixels_per_image']
    return float(len(scales)), pyramid_pixels(dataset, scales)
