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
    '../_base_/tta/autofocus.py'
]

model = dict(
    type='FocusFasterRCNN',
    focus_head=dict(
        type='FocusPixelHead',
        in_channels=64,
        feat_channels=64,
        in_index=2,       # P4 of the FPN: stride 16
        stride=16,
        # FocusPixel labels, in chip pixels (spec 5.1 gives 5 / 64 / 90 for
        # 512 px chips; the synthetic chips are 256 px with objects at half
        # the chip-pixel sizes of the COCO recipe, so they are halved too):
        # sqrt(area) <= dc_low: don't care; (dc_low, small_thresh):
        # FocusPixel; [small_thresh, dc_high): don't care; above: negative
        dc_low=2.5,
        small_thresh=32,
        dc_high=45),
    # single-scale test; the test-time wrappers use the RPN settings (with
    # the `sniper` block's budgets) and keep every RoI class score > 1e-3
    test_cfg=dict(
        rpn=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(score_thr=1e-3, max_per_img=100)))

# --tta: AutoFocus (../_base_/tta/autofocus.py) with the synthetic scales
tta_model = dict(
    _delete_=True,
    type='AutoFocusDetector',
    autofocus_cfg=dict(
        _base_.autofocus_tta_model.autofocus_cfg,
        # Coarse to fine. The coarse scale is long side 512, not 256: the
        # training scales are 4.4x apart from coarse to mid (COCO's are
        # ~2x), so at long side 256 nearly every object is "small"
        # (< 32 chip px) and the FocusChips of the mid scale would cover the
        # whole image. At 512 the coarse pass also detects objects down to
        # 40 px (its valid range), and the mid scale is only needed where
        # the map says so.
        scales=(512, 0.75, 1.5),
        # original px, sqrt(area): lo exclusive, hi inclusive, -1 open. The
        # mid scale keeps its small detections too (lower bound -1, where
        # the pyramid's mid scale has 40): the fine scale only sees
        # FocusChips, and an object it misses is still found at 0.75
        # (docs/benchmarks.md; soft-NMS merges the duplicates).
        valid_ranges=((40, -1), (-1, 192), (-1, 72)),
        # per transition (coarse->mid, mid->fine): dilation d, threshold t
        # and minimum chip side k in cells of the current scale (spec 5.3);
        # the operating points of docs/benchmarks.md
        focus=(dict(dilation=3, threshold=0.2, min_chip_cells=3),
               dict(dilation=3, threshold=0.2, min_chip_cells=8)),
        border_margin=10.))  # original px (spec 5.4)
