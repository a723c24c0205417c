# AutoFocus trained jointly from the start for 12 epochs: the 7-epoch
# recipe (./autofocus_faster-rcnn_r18-w16_fpn_joint-7e_synthetic.py) run
# longer, to measure what more joint epochs buy the FocusPixel head
# (docs/benchmarks.md, "Inference: single scale, full pyramid, AutoFocus,
# SAHI").
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# the cosine schedule ends with training (mmengine's default `end`)
train_cfg = dict(max_epochs=12, val_interval=12)
