# Single-scale CPU baseline on the synthetic quickstart split: a quarter-width
# ResNet-18 + FPN Faster R-CNN trained from scratch on downscaled full images.
# README command 1 trains it (see README for the measured time and mAP).
_base_ = [
    '../_base_/models/faster-rcnn_r18-w16_fpn.py',
    '../_base_/datasets/synthetic_detection.py',
    '../_base_/cpu_runtime.py',
]

# ---------------- frequently changed parameters ----------------
max_iters = 180           # training length (iterations of batch 4 crops)
base_lr = 2e-3            # AdamW, from scratch with trained BatchNorm
crop_size = (384, 384)    # training crops of the resized image
# (the resize scale, train and test: the dataset base's img_scale, 704)
# ----------------------------------------------------------------

# FPN levels P3-P7 (strides 8-128): dropping P2 halves the step time on CPU;
# anchors 16..256 px (scale 2) cover objects of ~4-400 px after resizing.
model = dict(
    neck=dict(start_level=1),  # 5 outputs, as mmdet's
    rpn_head=dict(
        anchor_generator=dict(scales=[2], strides=[8, 16, 32, 64, 128])),
    roi_head=dict(
        bbox_roi_extractor=dict(featmap_strides=[8, 16, 32],
                                finest_scale=28)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=500),
        rcnn=dict(sampler=dict(num=256))),
    test_cfg=dict(rpn=dict(max_per_img=500)))

train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.05),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50,
         end=max_iters, eta_min=base_lr * 0.02)
]
default_hooks = dict(
    checkpoint=dict(interval=max_iters,
                    by_epoch=False, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=_base_.img_scale, keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, allow_negative_crop=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(
    batch_size=4,
    sampler=dict(type='InfiniteSampler'),  # shuffled, as the base's
    batch_sampler=None,
    dataset=dict(pipeline=train_pipeline))
randomness = dict(seed=0)
