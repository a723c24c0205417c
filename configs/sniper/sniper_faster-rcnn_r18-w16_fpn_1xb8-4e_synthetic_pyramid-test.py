# SNIPER multi-scale test of the synthetic SNIPER model as the config's own
# model, for mmdet's entry points without --tta (init_detector,
# inference_detector, DetInferencer, mmdet's tools/test.py):
#   python tools/test.py THIS_CONFIG CKPT      (CKPT of the training config)
_base_ = './sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# the wrapper of ../_base_/sniper_synthetic_1xb8-4e.py around the detector
model = dict(_delete_=True, **_base_.pyramid_test_model, module=_base_.model)
test_dataloader = dict(dataset=dict(pipeline=_base_.tta_pipeline))
