# SNIPER with RetinaNet R101-FPN on COCO: mmdet's RetinaNet (BatchNorm
# trained, as every SNIPER model) on the COCO SNIPER Faster R-CNN's 512x512
# chips at 3 scales, negative chips, 7-epoch fp16 schedule and pyramid test
# (../_base_/sniper_coco_8xb16-amp-7e.py). SNIPER's ignore rule sits in the
# RetinaNet assigner: anchors with IoU > 0.3 to an invalid box get no label.
#   tools/train_neg_props_and_sniper.sh \
#       configs/sniper/sniper_retinanet_r101_fpn_8xb16-amp-7e_coco.py 8
#   tools/dist_test.sh CONFIG CKPT 8 --tta   # the SNIPER pyramid
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    '../_base_/models/sniper_assigners.py',
    '../_base_/sniper_coco_8xb16-amp-7e.py'
]

model = dict(
    backbone=dict(
        depth=101,
        norm_eval=False,  # BatchNorm trained (mmdet's norm_cfg: BN, grads)
        init_cfg=dict(checkpoint='torchvision://resnet101')),
    train_cfg=dict(
        assigner=dict(_delete_=True, **_base_.sniper_retinanet_assigner)))
