# AutoFocus trained jointly for 12 epochs with the FocusPixel head on the
# stride-8 FPN level (P3, in_index=1) instead of P4: the twelve-epoch recipe
# (./autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py) with a finer
# head, to measure whether finer features recall the small objects the P4
# map misses (docs/benchmarks.md, "A FocusPixel head on P3").
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_joint-12e-p3_synthetic.py
# The label rule is unchanged in chip pixels (dc_low / small_thresh /
# dc_high); only its cells are 8 px. At test time dilation and minimum chip
# side are counted in cells of the map, so both are doubled to keep the
# FocusChips' geometry in pixels of the P4 recipe (d=3 -> 6, k=3/8 -> 6/16).
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py'

model = dict(focus_head=dict(in_index=1, stride=8))

_focus = [
    dict(dilation=6, threshold=0.2, min_chip_cells=6),
    dict(dilation=6, threshold=0.2, min_chip_cells=16)
]
tta_model = dict(autofocus_cfg=dict(focus=_focus))
autofocus_test_model = dict(autofocus_cfg=dict(focus=_focus))
