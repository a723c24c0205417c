# AutoFocus trained jointly for 12 epochs with the FocusPixel label rule's
# lower don't-care bound cut from 2.5 to 1.0 chip pixels: the twelve-epoch
# recipe (./autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py) with
# boxes of sqrt(area) in (1.0, 2.5] chip pixels labelled FocusPixels
# instead of don't care, to measure whether the map then recalls the
# 3-7 px (coarse-scale) objects the default head leaves out of every
# FocusChip (docs/benchmarks.md, "Lower don't-care bound of the FocusPixel
# labels"). The original's bound is 5 px for 512 px chips (spec 5.1; 2.5
# here, with the synthetic recipe's labels halved); this is an ablation.
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_joint-12e-dclow1_synthetic.py
# The oracle row of the benchmark paints its maps with the same head's
# rule, so it moves with dc_low too.
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py'

model = dict(focus_head=dict(dc_low=1.0))
