# AutoFocus on CPU: the SNIPER synthetic recipe (quarter-width ResNet-18 +
# FPN, 256x256 chips at 3 scales) plus a FocusPixel head trained jointly on
# the same chips, and the three ways to test it.
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py
#   python tools/test.py CONFIG CKPT --tta   # AutoFocus (FocusChips)
#   python tools/test.py CONFIG CKPT         # single scale
#   python tools/test.py CONFIG_pyramid-test.py CKPT   # full 3-scale pyramid
# (the *_autofocus-test.py leaf config is AutoFocus for init_detector,
# DetInferencer and mmdet's own tools/test.py without --tta).
# The training scales, valid ranges, chip size, the pyramid's test ranges and
# the test budgets (proposals and detections per megapixel of each input,
# whole images and FocusChips alike) are the `sniper` block of the SNIPER
# config; children override its keys (`sniper = dict(chip_size=...)`).
_base_ = [
    '../sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py',
    '../_base_/models/focus_pixel_head.py', '../_base_/tta/autofocus.py'
]

model = dict(
    type='FocusFasterRCNN',
    # on P4 of the 64-channel FPN; spec 5.1's labels (5 / 64 / 90 chip px
    # for 512 px chips) halved: the synthetic chips are 256 px with objects
    # at half the chip-pixel sizes of the COCO recipe
    focus_head=dict(
        _base_.focus_pixel_head,
        in_channels=64,
        feat_channels=64,
        dc_low=2.5,
        small_thresh=32,
        dc_high=45),
    # single-scale test; the test-time wrappers use the RPN settings (with
    # the `sniper` block's budgets) and keep every RoI class score > 1e-3
    test_cfg=dict(rpn=dict(max_per_img=300), rcnn=dict(score_thr=1e-3)))

# --tta: AutoFocus (../_base_/tta/autofocus.py) with the synthetic scales
# (why these values: docs/benchmarks.md, "Config history")
tta_model = dict(
    _delete_=True,
    type='AutoFocusDetector',
    autofocus_cfg=dict(
        _base_.autofocus_tta_model.autofocus_cfg,
        # coarse to fine: long side 512, then the mid and fine training
        # factors on FocusChips only
        scales=(512, 0.75, 1.5),
        # original px, sqrt(area): lo exclusive, hi inclusive, -1 open; the
        # mid scale also keeps small detections (fallback where the fine
        # scale has no chip; soft-NMS merges the duplicates)
        valid_ranges=((40, -1), (-1, 192), (-1, 72)),
        # per transition (coarse->mid, mid->fine): dilation d, threshold t
        # and minimum chip side k in cells of the current scale (spec 5.3);
        # the operating points of docs/benchmarks.md
        focus=(dict(dilation=3, threshold=0.2, min_chip_cells=3),
               dict(dilation=3, threshold=0.2, min_chip_cells=8))))
# the model of the *_autofocus-test.py leaves (with their `module`): this
# wrapper with the `sniper` block's budgets (a runner rewrites them from the
# block: from_block) and the empty backbone stub that mmdet's init_detector
# reads
autofocus_test_model = dict(
    tta_model,
    _delete_=True,  # replaces the detector's own model dict
    backbone=dict(),
    autofocus_cfg=dict(
        tta_model['autofocus_cfg'],
        rpn_budget=_base_.sniper.test_rpn_budget,
        det_budget=_base_.sniper.test_det_budget,
        from_block='sniper'))
