# PASCAL VOC 07+12 trained on SNIPER chips: mmdet's voc0712 with the training
# set (VOC2007 trainval + VOC2012 trainval, no RepeatDataset: SNIPER makes
# several chips per image) wrapped in a SniperDataset. Scales follow the
# original's resolution-mode yml: (short 1400, long <= 2000), (800, 1280),
# long side 512.
_base_ = 'mmdet::_base_/datasets/voc0712.py'

custom_imports = dict(imports=['mmsniper'], allow_failed_imports=False)
backend_args = None
# The SNIPER block (see sniper_coco_detection.py): one source for the
# training chips and the SNIPER test, resolved when the runner is built.
sniper = dict(
    # (short side, max long side); (-1, 512) = long side 512
    scales=((1400, 2000), (800, 1280), (-1, 512)),
    valid_ranges=((-1, 80), (32, 150), (120, -1)),  # original px, sqrt(w*h)
    chip_size=512,
    stride=(56, 59),
    # SNIPER test (tools/test.py --tta): spec 4's scales and ranges
    test_scales=((1400, 2000), (800, 1280), (480, 512)),
    test_valid_ranges=((-1, 90), (32, 180), (75, -1)))
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit/'
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),
    # boxes under 10 chip px and difficult boxes are dropped (as the
    # original, which loads no difficult box)
    dict(type='SnipChipCrop', min_box_side=10, flagged_boxes='drop'),
    dict(type='PackChipInputs')  # PackDetInputs + the chip meta keys
]
voc_train = dict(
    type=dataset_type,
    data_root=data_root,
    # VOC marks "difficult" boxes ignore_flag=1: they never make chips and
    # SnipChipCrop drops them (flagged_boxes='drop')
    filter_cfg=dict(filter_empty_gt=False),
    pipeline=train_pipeline,
    backend_args=backend_args)
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=None,
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
            type='ConcatDataset',
            ignore_keys=['dataset_type'],
            datasets=[
                dict(
                    **voc_train,
                    ann_file='VOC2007/ImageSets/Main/trainval.txt',
                    data_prefix=dict(sub_data_root='VOC2007/')),
                dict(
                    **voc_train,
                    ann_file='VOC2012/ImageSets/Main/trainval.txt',
                    data_prefix=dict(sub_data_root='VOC2012/'))
            ])))

custom_hooks = [dict(type='ChipRebuildHook')]
