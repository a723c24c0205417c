# The full SNIPER pyramid (../_base_/tta/sniper_pyramid.py at the `sniper` test
# scales and ranges) with the synthetic AutoFocus Mask R-CNN (boxes and masks),
# as the config's own model: the baseline of AutoFocus on the same weights.
#   python tools/test.py THIS_CONFIG CKPT      (CKPT of the training config)
_base_ = './autofocus_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

_pyramid = dict(
    type='SniperMultiScaleTTA',
    tta_cfg=dict(
        _base_.autofocus_synthetic_tta_model.autofocus_cfg,
        scales=_base_.sniper.scales,
        valid_ranges=_base_.sniper.test_valid_ranges,
        rpn_budget=_base_.sniper.test_rpn_budget,
        det_budget=_base_.sniper.test_det_budget,
        from_block='sniper'))
for _k in ('focus', 'border_margin'):
    _pyramid['tta_cfg'].pop(_k)
model = dict(_delete_=True, **_pyramid, module=_base_.model, backbone=dict())
test_dataloader = dict(dataset=dict(pipeline=_base_.tta_pipeline))
