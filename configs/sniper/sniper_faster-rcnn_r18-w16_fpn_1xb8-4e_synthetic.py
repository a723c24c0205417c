# SNIPER on CPU: the quarter-width ResNet-18 + FPN Faster R-CNN of the
# synthetic quickstart, trained from scratch on 256x256 chips at 3 scales
# (positive chips only; set train_dataloader.dataset.use_neg_chips=True with
# a proposal file for negative chips, or run
# tools/train_neg_props_and_sniper.sh on this config).
#   python tools/train.py \
#       configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py
# The `sniper` block, the chips, the pyramid test and the schedule are those
# of ../_base_/sniper_synthetic_1xb8-4e.py. An ablation inherits this file
# and overrides keys of `sniper`, e.g.
#   sniper = dict(scales=(2.0, 1.0, 256), chip_size=320)
# (training and testing both read the block; docs/sniper_training.md).
_base_ = [
    '../_base_/models/faster-rcnn_r18-w16_fpn.py',
    '../_base_/models/sniper_assigners.py', '../_base_/models/sniper_rpn.py',
    '../_base_/sniper_synthetic_1xb8-4e.py'
]

model = dict(
    rpn_head=dict(anchor_generator=dict(scales=[4])),  # anchors 16..256 px
    train_cfg=dict(
        rpn=dict(
            assigner=dict(_delete_=True, **_base_.sniper_rpn_assigner)),
        rpn_proposal=dict(nms_pre=500, max_per_img=300),
        rcnn=dict(
            assigner=dict(_delete_=True, **_base_.sniper_rcnn_assigner),
            sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(max_per_img=500)))
