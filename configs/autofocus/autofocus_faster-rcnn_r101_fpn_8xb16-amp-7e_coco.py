# AutoFocus (Najibi, Singh and Davis, ICCV 2019) on COCO: the SNIPER R101-FPN
# recipe (512x512 chips at 3 scales, 8 GPUs x 16 chips, fp16) plus a
# FocusPixel head on the stride-16 FPN level (P4) trained jointly on the same
# chips, and the spec's multi-scale / AutoFocus test settings. The training
# chips and the SNIPER test scales and ranges (spec 4) are the `sniper`
# block of ../_base_/datasets/sniper_coco_detection.py.
#   tools/dist_train.sh \
#       configs/autofocus/autofocus_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py 8
#   tools/dist_test.sh CONFIG CKPT 8 --tta --out results.json   # AutoFocus
#   tools/dist_test.sh CONFIG CKPT 8                            # one scale
_base_ = [
    '../sniper/sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py',
    '../_base_/models/focus_pixel_head.py', '../_base_/tta/autofocus.py'
]

model = dict(
    type='FocusFasterRCNN',
    focus_head=_base_.focus_pixel_head,  # on P4, spec 5.1's labels
    # single-scale test; the test-time wrappers use the RPN settings and
    # keep every RoI class score > 1e-3 (spec 4)
    test_cfg=dict(
        rpn=dict(nms_pre=6000, max_per_img=300),
        rcnn=dict(score_thr=1e-3, max_per_img=300)))

# --tta: AutoFocus with the spec's COCO settings (../_base_/tta/autofocus.py)
tta_model = dict(_delete_=True, **_base_.autofocus_tta_model)
