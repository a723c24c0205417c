# SNIPER with ATSS R101-FPN on COCO: mmdet's ATSS model keys
# (../_base_/models/atss_on_retinanet.py: one anchor of 8 x stride per
# location, GIoU, centerness) on the COCO SNIPER RetinaNet config (BatchNorm
# trained, SNIPER chips, schedule and pyramid test). SNIPER's ignore rule is
# SniperATSSAssigner's (docs/sniper_training.md, "One-stage detectors").
#   tools/train_neg_props_and_sniper.sh \
#       configs/sniper/sniper_atss_r101_fpn_8xb16-amp-7e_coco.py 8
#   tools/dist_test.sh CONFIG CKPT 8 --tta   # the SNIPER pyramid
_base_ = [
    './sniper_retinanet_r101_fpn_8xb16-amp-7e_coco.py',
    '../_base_/models/atss_on_retinanet.py'
]

model = dict(**_base_.atss_model)
