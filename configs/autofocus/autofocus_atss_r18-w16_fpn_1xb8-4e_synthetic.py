# AutoFocus with ATSS on CPU: the synthetic AutoFocus RetinaNet
# (./autofocus_retinanet_r18-w16_fpn_1xb8-4e_synthetic.py: SNIPER chips, a
# FocusPixel head on P4, in_index=1, the synthetic AutoFocus test) with
# mmdet's ATSS model keys (../_base_/models/atss_on_retinanet.py), as the
# SNIPER ATSS config does on the SNIPER RetinaNet one: FocusATSS.
#   python tools/train.py \
#       configs/autofocus/autofocus_atss_r18-w16_fpn_1xb8-4e_synthetic.py
#   python tools/test.py CONFIG CKPT --tta   # AutoFocus (FocusChips)
_base_ = [
    './autofocus_retinanet_r18-w16_fpn_1xb8-4e_synthetic.py',
    '../_base_/models/atss_on_retinanet.py'
]

model = dict(_base_.atss_model, type='FocusATSS')
# anchors 2 x stride, as ../sniper/sniper_atss_r18-w16_fpn_1xb8-4e_synthetic
model['bbox_head']['anchor_generator']['octave_base_scale'] = 2
