# AutoFocus test (boxes and masks) of the synthetic AutoFocus Mask R-CNN as the
# config's own model, for mmdet's entry points without --tta: init_detector +
# inference_detector, DetInferencer, mmdet's tools/test.py (and ours):
#   python tools/test.py THIS_CONFIG CKPT      (CKPT of the training config)
_base_ = './autofocus_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# The wrapper around the trained detector. `backbone=dict()` is only there
# because mmdet.apis.init_detector reads model.backbone. The budgets are
# copied from the `sniper` block (from_block: a runner built from this
# config, or from a child that changes the block, writes the block's values).
model = dict(
    _delete_=True,
    **_base_.tta_model,
    module=_base_.model,
    backbone=dict())
model['autofocus_cfg'] = dict(
    _base_.tta_model.autofocus_cfg,
    rpn_budget=_base_.sniper.test_rpn_budget,
    det_budget=_base_.sniper.test_det_budget,
    from_block='sniper')
test_dataloader = dict(dataset=dict(pipeline=_base_.tta_pipeline))
