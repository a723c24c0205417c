# Everything of the synthetic SNIPER configs but the model: the `sniper`
# block, the chip training set (SniperDataset), the pyramid test and the CPU
# schedule. A SNIPER config on the synthetic set is a model plus this file:
#   _base_ = ['<model base(s)>', '../_base_/sniper_synthetic_1xb8-4e.py']
# (configs/sniper/sniper_{faster-rcnn,retinanet,atss}_r18-w16_fpn_1xb8-4e_
# synthetic.py). An ablation inherits one of those and overrides keys of
# `sniper`, e.g.
#   sniper = dict(scales=(2.0, 1.0, 256), chip_size=320)
# (training and testing both read the block; docs/sniper_training.md).
_base_ = [
    './datasets/synthetic_detection.py', './datasets/sniper_train_pipeline.py',
    './cpu_runtime.py', './tta/sniper_pyramid.py'
]

# ---------------- frequently changed parameters ----------------
# The SNIPER block: one source for the training chips (SniperDataset's
# chip_cfg, SnipChipCrop's padding, NegChipMine's geometry) and the SNIPER
# test (tools/test.py --tta), resolved when the runner is built.
# The COCO recipe (scales 3 / 1.667 / long side 512, 512 chips) scaled down
# for a CPU: synthetic images are 1000-1400 px with objects of 8-600 px, so
# factor 1.5 zooms the small objects, 0.75 keeps the medium ones and long
# side 256 shows the whole image. 256 px chips keep each step cheap; the
# valid ranges overlap like the original's and are sized so that objects
# are about 12-200 px inside a chip (the models' anchors start at 16 px).
sniper = dict(
    scales=(1.5, 0.75, 256),
    valid_ranges=((-1, 64), (40, 160), (120, -1)),  # original px, sqrt(w*h)
    chip_size=256,
    stride=(28, 31),      # ~ chip_size / 9, as 56-59 for 512 chips
    # SNIPER testing runs the full image at each scale (test_scales: the
    # training scales when not set) and keeps per scale the detections in
    # these ranges, widened like the original's test ranges
    test_valid_ranges=((-1, 72), (40, 192), (75, -1)),
    # Test-time proposals and detections per megapixel of each input, as
    # the detector's 300 / 100 for a 768x768 input: a whole image at factor
    # 1.5 (~5 Mpix) holds far more objects than one 768 px input, and a
    # fixed budget would drop most of its small objects.
    test_rpn_budget=dict(per_mpix=510, min=100, max=3000),
    test_det_budget=dict(per_mpix=170, min=100, max=1000))
# tools/train_neg_props_and_sniper.sh: the RPN of step (a) (its proposals
# give the negative chips of every detector trained on this recipe)
rpn_config = 'configs/rpn/sniper_rpn_r18-w16_fpn_1xb8-2e_synthetic.py'
# ----------------------------------------------------------------

# the SNIPER pipeline with boxes under 5 chip px neither trained nor
# ignored: the original's 10 px for 512 chips, halved as the chips and
# anchors
train_pipeline = [
    dict(t, min_box_side=5) if t['type'] == 'SnipChipCrop' else t
    for t in _base_.sniper_train_pipeline
]
train_dataloader = dict(
    batch_size=8,         # chips per iteration
    batch_sampler=None,   # chips are padded squares: no aspect grouping
    dataset=dict(
        _delete_=True,
        type='SniperDataset',
        chip_cfg=dict(from_block='sniper'),  # filled by SniperRunner
        use_neg_chips=False,  # needs proposal_file
        # written by tools/extract_proposals.py
        proposal_file='work_dirs/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_'
        'synthetic/proposals_train.pkl',
        neg_chip_mine=dict(type='NegChipMine',
                           num_neg_chips=2),  # per image and epoch
        dataset=dict(
            _base_.train_dataloader.dataset,  # the synthetic training set
            filter_cfg=dict(filter_empty_gt=False),
            pipeline=train_pipeline)))
custom_hooks = [dict(type='ChipRebuildHook')]

# tools/test.py CONFIG CKPT --tta (or the *_pyramid-test.py leaf config):
# the `sniper` test scales on the full image, per-scale valid ranges, one
# soft-NMS merge (tta_model of ../_base_/tta/sniper_pyramid.py; the val
# during training is the single-scale pipeline of the base config).
# pyramid_test_model: that wrapper with the block's test values, the model
# of the *_pyramid-test.py leaves with their `module` (mmdet's init_detector
# builds it without a runner, and reads model.backbone: the empty stub; a
# runner rewrites the values from the block: from_block)
pyramid_test_model = dict(
    _base_.tta_model,
    backbone=dict(),
    tta_cfg=dict(
        _base_.tta_model.tta_cfg,
        scales=sniper['scales'],
        valid_ranges=sniper['test_valid_ranges'],
        rpn_budget=sniper['test_rpn_budget'],
        det_budget=sniper['test_det_budget'],
        from_block='sniper'))
test_evaluator = [
    dict(_base_.test_evaluator),
    dict(type='ProcessedPixelsMetric')  # pixels, % of the full pyramid
]

# 4 epochs (children change train_cfg.max_epochs: the cosine schedule ends
# with training, mmengine's default `end`)
train_cfg = dict(  # per-step seeds, mid-epoch resume (exact kill + resume)
    type='ResumableEpochBasedTrainLoop', max_epochs=4, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    # AdamW, from scratch with trained BatchNorm
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    clip_grad=dict(max_norm=10, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0,
         eta_min_ratio=0.02, convert_to_iter_based=True)
]
default_hooks = dict(checkpoint=dict(max_keep_ckpts=1))  # every epoch
randomness = dict(seed=0)

# for the Mask R-CNN children (*_mask-rcnn_*): the same chips with the
# polygons loaded (SnipChipCrop crops them) and segm evaluated too
mask_train_pipeline = [
    dict(t, with_mask=True, poly2mask=False)
    if t['type'] == 'LoadAnnotations' else t for t in train_pipeline
]
mask_test_evaluator = [
    dict(test_evaluator[0], metric=['bbox', 'segm']), *test_evaluator[1:]
]
