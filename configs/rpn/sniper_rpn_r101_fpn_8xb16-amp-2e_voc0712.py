# Negative chip mining step (a) for the VOC 07+12 R101-FPN SNIPER detector:
# its RPN alone (../_base_/models/sniper_rpn.py), 2 epochs on positive chips.
_base_ = '../sniper/sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_voc0712.py'

model = dict(type='RPN', test_cfg=dict(rpn=_base_.sniper_rpn_test_cfg))
train_dataloader = dict(dataset=dict(use_neg_chips=False))
train_cfg = dict(max_epochs=2)
val_dataloader = val_cfg = val_evaluator = None
