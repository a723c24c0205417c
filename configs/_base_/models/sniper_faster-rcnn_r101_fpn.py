# Faster R-CNN R101-FPN trained the SNIPER way (./sniper_faster-rcnn_r50_fpn.py
# with mmdet's R101 backbone, ImageNet-pretrained).
_base_ = './sniper_faster-rcnn_r50_fpn.py'

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(checkpoint='torchvision://resnet101')))
