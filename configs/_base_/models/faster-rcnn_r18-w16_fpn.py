# A small Faster R-CNN for CPU training from scratch: mmdet's Faster R-CNN
# with the quarter-width ResNet-18 and 64-channel FPN of
# ./r18-w16_fpn_parts.py (BatchNorm trained, no pretrained weights).
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py', './r18-w16_fpn_parts.py'
]

model = dict(
    backbone=_base_.r18_w16_backbone,
    neck=_base_.r18_w16_neck,
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256, num_classes=5)))
