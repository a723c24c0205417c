# The FocusPixel head of AutoFocus (spec 5.1) for a Faster R-CNN FPN model:
# on the stride-16 FPN level (P4 of P2-P6), with the spec's labels for 512 px
# chips, in chip pixels: sqrt(area) <= dc_low: don't care; (dc_low,
# small_thresh): FocusPixel; [small_thresh, dc_high): don't care; above:
# negative. Use as
#   model = dict(type='FocusFasterRCNN', focus_head=_base_.focus_pixel_head)
focus_pixel_head = dict(
    type='FocusPixelHead',
    in_channels=256,
    feat_channels=256,
    in_index=2,
    stride=16,
    dc_low=5,
    small_thresh=64,
    dc_high=90)
