# AutoFocus on CPU: the SNIPER synthetic recipe (quarter-width ResNet-18 +
# FPN, 256x256 chips at 3 scales) plus a FocusPixel head trained jointly on
# the same chips, and the three ways to test it.
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py
#   python tools/test.py CONFIG CKPT --tta   # AutoFocus (FocusChips)
#   python tools/test.py CONFIG CKPT         # single scale
#   python tools/test.py CONFIG_pyramid-test.py CKPT   # full 3-scale pyramid
# (the *_autofocus-test.py leaf config is AutoFocus for init_detector,
# DetInferencer and mmdet's own tools/test.py without --tta).
# The training scales, valid ranges, chip size, the pyramid's test ranges and
# the test budgets (proposals and detections per megapixel of each input,
# whole images and FocusChips alike) are the `sniper` block of the SNIPER
# config; children override its keys (`sniper = dict(chip_size=...)`).
_base_ = [
    '../sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py',
    '../_base_/models/focus_pixel_head.py',
    '../_base_/tta/autofocus_synthetic.py'
]

model = dict(
    type='FocusFasterRCNN',
    # on P4 (in_index=2) of the 64-channel FPN, spec 5.1's labels halved
    # for the 256 px chips (../_base_/models/focus_pixel_head.py)
    focus_head=_base_.focus_pixel_head_r18_w16,
    # single-scale test; the test-time wrappers use the RPN settings (with
    # the `sniper` block's budgets) and keep every RoI class score > 1e-3
    test_cfg=dict(rpn=dict(max_per_img=300), rcnn=dict(score_thr=1e-3)))

# --tta: AutoFocus with the synthetic scales, ranges and operating points
# (../_base_/tta/autofocus_synthetic.py)
tta_model = dict(_delete_=True, **_base_.autofocus_synthetic_tta_model)
# the model of the *_autofocus-test.py leaves: that wrapper with the
# `sniper` block's budgets
autofocus_test_model = dict(
    _base_.autofocus_synthetic_test_model,
    autofocus_cfg=dict(
        _base_.autofocus_synthetic_test_model.autofocus_cfg,
        rpn_budget=_base_.sniper.test_rpn_budget,
        det_budget=_base_.sniper.test_det_budget))
