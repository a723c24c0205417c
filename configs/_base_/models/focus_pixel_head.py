# The FocusPixel head of AutoFocus (spec 5.1) for an FPN model:
# on the stride-16 FPN level (P4 of P2-P6), with the spec's labels for 512 px
# chips, in chip pixels: sqrt(area) <= dc_low: don't care; (dc_low,
# small_thresh): FocusPixel; [small_thresh, dc_high): don't care; above:
# negative. Use as
#   model = dict(type='FocusFasterRCNN', focus_head=_base_.focus_pixel_head)
# On a one-stage detector, whose FPN is P3-P7, stride 16 is in_index=1:
#   model = dict(type='FocusRetinaNet',
#                focus_head=dict(_base_.focus_pixel_head, in_index=1))
focus_pixel_head = dict(
    type='FocusPixelHead',
    in_channels=256,
    feat_channels=256,
    in_index=2,
    stride=16,
    dc_low=5,
    small_thresh=64,
    dc_high=90)
# The head of the synthetic CPU recipe (64-channel FPN, 256 px chips with
# objects at half the chip-pixel sizes of the COCO recipe): spec 5.1's
# labels halved. Two-stage FPN (P2-P6): in_index=2; one-stage (P3-P7):
# in_index=1, the same stride-16 level.
focus_pixel_head_r18_w16 = dict(
    focus_pixel_head,
    in_channels=64,
    feat_channels=64,
    dc_low=2.5,
    small_thresh=32,
    dc_high=45)
