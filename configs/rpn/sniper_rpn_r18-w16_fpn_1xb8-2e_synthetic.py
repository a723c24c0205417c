# Negative chip mining step (a) on the synthetic set: the RPN of the CPU
# SNIPER detector alone (../_base_/models/sniper_rpn.py), 2 epochs on its
# positive chips; tools/extract_proposals.py then writes the proposals that
# the SNIPER config turns into negative chips (use_neg_chips=True).
_base_ = '../sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# 2000 boxes before the NMS (12000 for COCO and VOC): the CPU recipe's
# smaller inputs
model = dict(
    type='RPN',
    test_cfg=dict(rpn=dict(_base_.sniper_rpn_test_cfg, nms_pre=2000)))
train_cfg = dict(max_epochs=2)
val_dataloader = val_cfg = val_evaluator = None
