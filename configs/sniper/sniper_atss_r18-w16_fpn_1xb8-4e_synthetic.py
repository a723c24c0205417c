# SNIPER with an anchor-free-style one-stage detector on CPU: ATSS (one
# anchor per location, adaptive positives) on the synthetic RetinaNet SNIPER
# config's backbone, chips, schedule and pyramid test. SNIPER's ignore rule
# is SniperATSSAssigner's: locations whose anchor has IoU > 0.3 to an invalid
# box get no label and are no ATSS candidates (docs/sniper_training.md).
#   python tools/train.py \
#       configs/sniper/sniper_atss_r18-w16_fpn_1xb8-4e_synthetic.py
#   python tools/test.py CONFIG CKPT --tta   # the SNIPER pyramid
_base_ = [
    './sniper_retinanet_r18-w16_fpn_1xb8-4e_synthetic.py',
    '../_base_/models/atss_on_retinanet.py'
]

model = dict(**_base_.atss_model)
# anchors 2 x stride: 16..256 px, as the Faster R-CNN's RPN (mmdet: 8 x)
model['bbox_head']['anchor_generator']['octave_base_scale'] = 2
