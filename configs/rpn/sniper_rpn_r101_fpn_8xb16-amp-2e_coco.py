# Negative chip mining step (a) for the COCO R101-FPN SNIPER detector: its
# RPN alone (../_base_/models/sniper_rpn.py); tools/extract_proposals.py
# then writes the proposals of the training images (spec 2).
_base_ = '../sniper/sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py'

model = dict(type='RPN', test_cfg=dict(rpn=_base_.sniper_rpn_test_cfg))
train_dataloader = dict(dataset=dict(use_neg_chips=False))
train_cfg = dict(max_epochs=2)
val_dataloader = val_cfg = val_evaluator = None
