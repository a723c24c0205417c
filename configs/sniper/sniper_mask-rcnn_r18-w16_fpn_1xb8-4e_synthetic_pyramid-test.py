# SNIPER multi-scale test (boxes and masks) of the synthetic SNIPER Mask R-CNN
# as the config's own model, for mmdet's entry points without --tta
# (init_detector, inference_detector, DetInferencer, mmdet's tools/test.py):
#   python tools/test.py THIS_CONFIG CKPT      (CKPT of the training config)
_base_ = './sniper_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# `backbone=dict()` is only there because mmdet.apis.init_detector reads
# model.backbone; the scales, ranges and budgets are copied from the
# `sniper` block (from_block: a runner writes the block's values).
model = dict(
    _delete_=True,
    type='SniperMultiScaleTTA',
    tta_cfg=dict(
        _base_.tta_model.tta_cfg,
        scales=_base_.sniper.scales,
        valid_ranges=_base_.sniper.test_valid_ranges,
        rpn_budget=_base_.sniper.test_rpn_budget,
        det_budget=_base_.sniper.test_det_budget,
        from_block='sniper'),
    module=_base_.model,
    backbone=dict())
test_dataloader = dict(dataset=dict(pipeline=_base_.tta_pipeline))
