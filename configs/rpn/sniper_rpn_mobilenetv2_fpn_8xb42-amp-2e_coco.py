# Negative chip mining step (a) for the COCO MobileNetV2-FPN SNIPER
# detector: its RPN alone (../_base_/models/sniper_rpn.py).
_base_ = '../sniper/sniper_faster-rcnn_mobilenetv2_fpn_8xb42-amp-7e_coco.py'

model = dict(type='RPN', test_cfg=dict(rpn=_base_.sniper_rpn_test_cfg))
train_dataloader = dict(dataset=dict(use_neg_chips=False))
train_cfg = dict(max_epochs=2)
val_dataloader = val_cfg = val_evaluator = None
