# SNIPER with a one-stage detector on CPU: mmdet's RetinaNet with the
# quarter-width ResNet-18 + 64-channel FPN of the synthetic Faster R-CNN
# (../_base_/models/r18-w16_fpn_parts.py), trained from scratch on the same
# 256x256 chips at 3 scales, with the same schedule and pyramid test
# (../_base_/sniper_synthetic_1xb8-4e.py). SNIPER's ignore rule sits in the
# RetinaNet assigner: anchors with IoU > 0.3 to an invalid box get no label
# (label weight 0 in the focal loss, not counted in its avg_factor).
#   python tools/train.py \
#       configs/sniper/sniper_retinanet_r18-w16_fpn_1xb8-4e_synthetic.py
#   python tools/test.py CONFIG CKPT --tta   # the SNIPER pyramid
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/models/r18-w16_fpn_parts.py',
    '../_base_/models/sniper_assigners.py',
    '../_base_/sniper_synthetic_1xb8-4e.py'
]

model = dict(
    backbone=_base_.r18_w16_backbone,
    neck=_base_.r18_w16_neck,
    bbox_head=dict(
        num_classes=5,
        in_channels=64,
        feat_channels=64,
        # 2 x stride x 2^(k/3): anchors 16..406 px, the chips' 12-200 px
        # objects (the Faster R-CNN's RPN: 16..256 px)
        anchor_generator=dict(octave_base_scale=2)),
    train_cfg=dict(
        assigner=dict(_delete_=True, **_base_.sniper_retinanet_assigner)))
