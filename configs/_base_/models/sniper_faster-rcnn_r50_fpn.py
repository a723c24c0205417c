# Faster R-CNN R50-FPN trained the SNIPER way: BatchNorm trained (not frozen;
# 16 chips per GPU make batch statistics usable), SNIPER's RPN thresholds
# (positive IoU >= 0.5, negative < 0.4) and ignored boxes really ignored:
# anchors and RoIs whose IoF with an invalid (ignored) box exceeds 0.3 get no
# label, also in chips without any valid box (SniperMaxIoUAssigner).
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'

model = dict(
    backbone=dict(norm_cfg=dict(type='BN', requires_grad=True),
                  norm_eval=False),
    train_cfg=dict(
        rpn=dict(
            assigner=dict(
                type='SniperMaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.4,
                min_pos_iou=0.3,
                ignore_iof_thr=0.3)),
        rcnn=dict(
            assigner=dict(type='SniperMaxIoUAssigner', ignore_iof_thr=0.3))))
