# AutoFocus with RetinaNet R101-FPN on COCO: the SNIPER RetinaNet recipe
# (../sniper/sniper_retinanet_r101_fpn_8xb16-amp-7e_coco.py: 512x512 chips
# at 3 scales, 8 GPUs x 16 chips, fp16) plus a FocusPixel head on the
# stride-16 FPN level trained jointly on the same chips, and the spec's
# AutoFocus test settings (../_base_/tta/autofocus.py).
#   tools/dist_train.sh \
#       configs/autofocus/autofocus_retinanet_r101_fpn_8xb16-amp-7e_coco.py 8
#   tools/dist_test.sh CONFIG CKPT 8 --tta --out results.json   # AutoFocus
_base_ = [
    '../sniper/sniper_retinanet_r101_fpn_8xb16-amp-7e_coco.py',
    '../_base_/models/focus_pixel_head.py', '../_base_/tta/autofocus.py'
]

model = dict(
    type='FocusRetinaNet',
    # spec 5.1's labels on P4, stride 16: in_index=1 of the P3-P7 FPN
    focus_head=dict(_base_.focus_pixel_head, in_index=1))

tta_model = dict(_delete_=True, **_base_.autofocus_tta_model)
