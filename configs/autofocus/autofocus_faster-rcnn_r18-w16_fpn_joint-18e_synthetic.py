# AutoFocus trained jointly from the start for 18 epochs: the 12-epoch
# recipe (./autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py) run
# half as long again, to measure whether more joint epochs still move the
# learned FocusPixel map towards its oracle (7 to 12 epochs did:
# docs/benchmarks.md, "Eighteen joint epochs"). About 70 min on 2 CPU
# cores.
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_joint-18e_synthetic.py
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py'

# the cosine schedule ends with training (mmengine's default `end`)
train_cfg = dict(max_epochs=18, val_interval=18)
