# The quickstart baseline shrunk to a few iterations on the `tiny` preset, for
# tests of the tools. data_root is set by the tests with --cfg-options.
_base_ = '../../../configs/synthetic/faster-rcnn_r18-w16_fpn_quickstart_synthetic.py'

max_iters = 2
img_scale = (320, 320)
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False)]
default_hooks = dict(
    checkpoint=dict(interval=max_iters),
    logger=dict(interval=1))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='PackDetInputs')
]
test_pipeline = [  # the base's, at img_scale
    _base_.test_pipeline[0],
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    *_base_.test_pipeline[2:]
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
