# COCO detection trained on SNIPER chips: mmdet's coco_detection with the
# training set wrapped in a SniperDataset (chips rebuilt every epoch by
# ChipRebuildHook). Testing is mmdet's usual full-image pipeline.
_base_ = 'mmdet::_base_/datasets/coco_detection.py'

custom_imports = dict(imports=['mmsniper'], allow_failed_imports=False)
backend_args = None
# The SNIPER block (spec 1 and 4): one source for the training chips
# (SniperDataset's chip_cfg, SnipChipCrop's padding, NegChipMine's geometry)
# and the SNIPER test (tools/test.py --tta), resolved when the runner
# is built; configs override its keys (`sniper = dict(chip_size=...)`).
sniper = dict(
    # scales, finest first: factor 3, factor 1.667, long side 512 px
    scales=(3.0, 1.667, 512),
    # per scale, sqrt(w*h) of the boxes it trains on, original px (-1: open)
    valid_ranges=((-1, 80), (32, 150), (120, -1)),
    chip_size=512,        # network input side (chips are zero-padded)
    stride=(56, 59),      # candidate-chip grid stride, drawn per epoch
    # SNIPER test: (short side, max long side), finest first, and the
    # ranges of the detections kept per scale (lo**2 < area <= hi**2)
    test_scales=((1400, 2000), (800, 1280), (480, 512)),
    test_valid_ranges=((-1, 90), (32, 180), (75, -1)))
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),  # before the crop (see SnipChipCrop)
    # crop, rescale, pad to chip_size, flag the invalid boxes ignored; boxes
    # under 10 chip px and crowd boxes are dropped (as the original)
    dict(type='SnipChipCrop', min_box_side=10, flagged_boxes='drop'),
    dict(type='PackChipInputs')  # PackDetInputs + the chip meta keys
]
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=None,  # chips are padded squares: no aspect grouping
    dataset=dict(
        _delete_=True,
        type='SniperDataset',
        chip_cfg=dict(from_block='sniper'),  # filled by SniperRunner
        use_neg_chips=False,
        proposal_file=None,
        # negative chips mined from the proposals (spec 2), with
        # use_neg_chips=True; M: > 25 proposals at the finest scale, > 10
        # at the others
        neg_chip_mine=dict(
            type='NegChipMine', num_neg_chips=2, min_proposals=None),
        chip_workers=4,  # processes rebuilding the chip list each epoch
        dataset=dict(
            type='CocoDataset',
            data_root='data/coco/',
            ann_file='annotations/instances_train2017.json',
            data_prefix=dict(img='train2017/'),
            # images without boxes may still give negative chips; images
            # without any chip are skipped by SniperDataset
            filter_cfg=dict(filter_empty_gt=False),
            pipeline=train_pipeline,
            backend_args=backend_args)))

custom_hooks = [dict(type='ChipRebuildHook')]
