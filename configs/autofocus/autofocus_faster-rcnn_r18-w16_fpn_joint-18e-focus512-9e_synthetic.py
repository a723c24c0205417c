# ./autofocus_faster-rcnn_r18-w16_fpn_joint-18e-focus512-3e_synthetic.py
# trained three times as long (9 epochs of the FocusPixel head alone on the
# four chip scales: 16 min on 1 CPU thread), to measure whether the
# head-only stage has converged (docs/benchmarks.md, "FocusPixel head on
# the coarse test scale").
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_joint-18e-focus512-9e_synthetic.py
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_joint-18e-focus512-3e_synthetic.py'

train_cfg = dict(max_epochs=9, val_interval=9)
