# Faster R-CNN R50-FPN trained the SNIPER way: BatchNorm trained (not frozen;
# 16 chips per GPU make batch statistics usable) and SNIPER's assigners
# (sniper_assigners.py: IoU > 0.3 to an invalid box ignored in the RPN);
# sniper_rpn.py: the proposal settings of its RPN twin (configs/rpn/).
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py', './sniper_assigners.py',
    './sniper_rpn.py'
]

model = dict(
    backbone=dict(norm_eval=False),  # mmdet's BN, requires_grad=True
    train_cfg=dict(
        rpn=dict(assigner=dict(_delete_=True, **_base_.sniper_rpn_assigner)),
        rcnn=dict(
            assigner=dict(_delete_=True, **_base_.sniper_rcnn_assigner))))
