# AutoFocus with a one-stage detector on CPU: the SNIPER RetinaNet synthetic
# recipe (../sniper/sniper_retinanet_r18-w16_fpn_1xb8-4e_synthetic.py) plus
# a FocusPixel head trained jointly on the same chips (FocusRetinaNet), and
# the synthetic AutoFocus test (../_base_/tta/autofocus_synthetic.py):
#   python tools/train.py \
#       configs/autofocus/autofocus_retinanet_r18-w16_fpn_1xb8-4e_synthetic.py
#   python tools/test.py CONFIG CKPT --tta   # AutoFocus (FocusChips)
#   python tools/test.py CONFIG_pyramid-test.py CKPT   # full 3-scale pyramid
_base_ = [
    '../sniper/sniper_retinanet_r18-w16_fpn_1xb8-4e_synthetic.py',
    '../_base_/models/focus_pixel_head.py',
    '../_base_/tta/autofocus_synthetic.py'
]

model = dict(
    type='FocusRetinaNet',
    # stride 16, as the two-stage models' P4: in_index=1 of RetinaNet's
    # P3-P7 FPN (docs/autofocus.md, "AutoFocus with a one-stage detector")
    focus_head=dict(_base_.focus_pixel_head_r18_w16, in_index=1))

tta_model = dict(_delete_=True, **_base_.autofocus_synthetic_tta_model)
autofocus_test_model = dict(
    _base_.autofocus_synthetic_test_model,
    autofocus_cfg=dict(
        _base_.autofocus_synthetic_test_model.autofocus_cfg,
        rpn_budget=_base_.sniper.test_rpn_budget,  # unused: no RPN
        det_budget=_base_.sniper.test_det_budget))
