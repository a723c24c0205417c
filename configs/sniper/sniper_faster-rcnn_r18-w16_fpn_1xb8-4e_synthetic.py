# SNIPER on CPU: the quarter-width ResNet-18 + FPN Faster R-CNN of the
# synthetic quickstart, trained from scratch on 256x256 chips at 3 scales
# (positive chips only; set use_neg_chips=True with a proposal file for
# negative chips, or run tools/train_neg_props_and_sniper.sh on this config).
#   python tools/train.py \
#       configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py
_base_ = [
    '../_base_/models/faster-rcnn_r18-w16_fpn.py',
    '../_base_/models/sniper_assigners.py',
    '../_base_/datasets/synthetic_detection.py',
    '../_base_/cpu_runtime.py'
]

# ---------------- frequently changed parameters ----------------
# The COCO recipe (scales 3 / 1.667 / long side 512, 512 chips) scaled down
# for a CPU: synthetic images are 1000-1400 px with objects of 8-600 px, so
# factor 1.5 zooms the small objects, 0.75 keeps the medium ones and long
# side 256 shows the whole image. 256 px chips keep each step cheap; the
# valid ranges overlap like the original's and are sized so that objects
# are about 12-200 px inside a chip (the anchors cover 16-256 px).
scales = (1.5, 0.75, 256)
valid_ranges = ((-1, 64), (40, 160), (120, -1))   # original px, sqrt(w*h)
# SNIPER testing (tools/test.py --mode sniper) runs the full image at each
# scale and keeps per scale the detections in these ranges, widened like the
# original's test ranges
test_valid_ranges = ((-1, 72), (40, 192), (75, -1))
# Test-time proposals and detections per megapixel of each input, as the
# detector's 300 / 100 for a 768x768 input: a whole image at factor 1.5
# (~5 Mpix) holds far more objects than one 768 px input, and a fixed
# budget would drop most of its small objects.
test_rpn_budget = dict(per_mpix=510, min=100, max=3000)
test_det_budget = dict(per_mpix=170, min=100, max=1000)
chip_size = 256
chip_stride = (28, 31)    # ~ chip_size / 9, as 56-59 for 512 chips
# boxes under this side in a chip (chip px) are neither trained nor ignored:
# the original's 10 px for 512 chips, halved as the chips and anchors
min_box_side = 5
chips_per_batch = 8
use_neg_chips = False     # needs proposal_file (tools/extract_proposals.py)
num_neg_chips = 2         # negative chips per image and epoch
proposal_file = 'work_dirs/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic/proposals_train.pkl'  # noqa: E501
rpn_config = 'configs/sniper/sniper_rpn_r18-w16_fpn_1xb8-2e_synthetic.py'
max_epochs = 4
base_lr = 1e-3            # AdamW, from scratch with trained BatchNorm
# ----------------------------------------------------------------

model = dict(
    rpn_head=dict(anchor_generator=dict(scales=[4])),  # anchors 16..256 px
    train_cfg=dict(
        rpn=dict(
            assigner=dict(_delete_=True, **_base_.sniper_rpn_assigner)),
        rpn_proposal=dict(nms_pre=500, max_per_img=300),
        rcnn=dict(
            assigner=dict(_delete_=True, **_base_.sniper_rcnn_assigner),
            sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=1000, max_per_img=500)))

chip_meta_keys = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                  'scale_factor', 'flip', 'flip_direction', 'chip',
                  'chip_scale_idx', 'chip_factor', 'chip_focus_bboxes')
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=_base_.backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),  # before the crop (see SnipChipCrop)
    dict(type='SnipChipCrop', min_box_side=min_box_side,
         flagged_boxes='drop'),
    dict(type='PackDetInputs', meta_keys=chip_meta_keys)
]
train_dataloader = dict(
    batch_size=chips_per_batch,
    batch_sampler=None,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='SniperDataset',
        chip_cfg=dict(
            scales=scales,
            valid_ranges=valid_ranges,
            chip_size=chip_size,
            stride=chip_stride),
        use_neg_chips=use_neg_chips,
        proposal_file=proposal_file,
        neg_chip_mine=dict(type='NegChipMine',
                           num_neg_chips=num_neg_chips),
        dataset=dict(
            type=_base_.dataset_type,
            data_root=_base_.data_root,
            ann_file='annotations/instances_train.json',
            data_prefix=dict(img='train/'),
            filter_cfg=dict(filter_empty_gt=False),
            pipeline=train_pipeline,
            backend_args=_base_.backend_args)))
custom_hooks = [dict(type='ChipRebuildHook')]

# tools/test.py CONFIG CKPT --mode sniper: the training scales on the full
# image, per-scale valid ranges, soft-NMS merge (the val during training
# uses the single-scale pipeline of the base config)
sniper_test_model = dict(
    type='SniperMultiScaleTTA',
    tta_cfg=dict(
        scales=scales, valid_ranges=test_valid_ranges, max_per_img=100,
        rpn_budget=test_rpn_budget, det_budget=test_det_budget))

train_cfg = dict(  # per-step seeds, mid-epoch resume (exact kill + resume)
    type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs,
    val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.05),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         eta_min=base_lr * 0.02, convert_to_iter_based=True)
]
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=1))
randomness = dict(seed=0)
