# The full SNIPER pyramid (../_base_/tta/sniper_pyramid.py at the `sniper`
# test scales and ranges) with the synthetic AutoFocus ATSS, as the
# config's own model: the baseline of AutoFocus on the same weights.
#   python tools/test.py THIS_CONFIG CKPT      (CKPT of the training config)
_base_ = './autofocus_atss_r18-w16_fpn_1xb8-4e_synthetic.py'

# pyramid_test_model of the SNIPER config (the pyramid at the `sniper`
# block's test values) around the AutoFocus model
model = dict(_delete_=True, **_base_.pyramid_test_model, module=_base_.model)
test_dataloader = dict(dataset=dict(pipeline=_base_.tta_pipeline))
