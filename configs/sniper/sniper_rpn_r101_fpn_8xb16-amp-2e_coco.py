# Step (a) of SNIPER's negative chip mining: the RPN of
# sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py trained alone for 2 epochs
# on positive chips only. tools/extract_proposals.py then runs it over the
# training images at the training scales (spec 2).
_base_ = './sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py'

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
            nms_pre=12000,
            max_per_img=num_proposals,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=3)))

rpn_config = None  # this is the RPN
train_dataloader = dict(dataset=dict(use_neg_chips=False))
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs + 1)
val_dataloader = None
val_cfg = None
val_evaluator = None
