# AutoFocus trained jointly from the start, as the paper does: detector and
# FocusPixel head together on SNIPER chips for 7 epochs, from scratch. The
# alternative to the 3-stage recipe of the inference benchmark
# (tools/misc/train_autofocus_synthetic.sh: SNIPER 4 epochs, head alone
# 2 + 4, joint 2), at about its training time on 2 CPU cores
# (docs/benchmarks.md, "Inference: single scale, full pyramid, AutoFocus,
# SAHI").
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_joint-7e_synthetic.py
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# the cosine schedule ends with training (mmengine's default `end`)
train_cfg = dict(max_epochs=7, val_interval=7)
