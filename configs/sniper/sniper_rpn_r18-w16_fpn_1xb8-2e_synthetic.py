# Step (a) of negative chip mining on the synthetic set: the RPN of
# sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py alone, 2 epochs on
# positive chips. Then tools/extract_proposals.py writes the proposals that
# the SNIPER config turns into negative chips (use_neg_chips=True).
_base_ = './sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# ---------------- frequently changed parameters ----------------
max_epochs = 2
num_proposals = 300       # proposals kept per image and scale
# ----------------------------------------------------------------

model = dict(
    _delete_=True,
    type='RPN',
    data_preprocessor=_base_.model.data_preprocessor,
    backbone=_base_.model.backbone,
    neck=_base_.model.neck,
    rpn_head=_base_.model.rpn_head,
    train_cfg=dict(rpn=_base_.model.train_cfg.rpn),
    test_cfg=dict(
        rpn=dict(
            nms_pre=2000,
            max_per_img=num_proposals,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=3)))

rpn_config = None  # this is the RPN
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs + 1)
val_dataloader = None
val_cfg = None
val_evaluator = None
