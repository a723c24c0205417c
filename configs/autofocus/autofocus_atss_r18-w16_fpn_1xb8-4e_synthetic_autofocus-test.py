# AutoFocus test of the synthetic AutoFocus ATSS as the config's own
# model, for mmdet's entry points without --tta: init_detector +
# inference_detector, DetInferencer, mmdet's tools/test.py (and ours):
#   python tools/test.py THIS_CONFIG CKPT      (CKPT of the training config)
_base_ = './autofocus_atss_r18-w16_fpn_1xb8-4e_synthetic.py'

# autofocus_test_model of the AutoFocus config (AutoFocus at the `sniper`
# block's budgets) around the trained detector
model = dict(_base_.autofocus_test_model, module=_base_.model)
test_dataloader = dict(dataset=dict(pipeline=_base_.tta_pipeline))
