# AutoFocus on CPU: the SNIPER synthetic recipe (quarter-width ResNet-18 +
# FPN, 256x256 chips at 3 scales) plus a FocusPixel head trained jointly on
# the same chips, and the three ways to test it.
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py
#   python tools/test.py CONFIG CKPT --mode autofocus   # FocusChips
#   python tools/test.py CONFIG CKPT --mode sniper      # full 3-scale pyramid
#   python tools/test.py CONFIG CKPT                    # single scale
_base_ = '../sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# ---------------- frequently changed parameters ----------------
# FocusPixel labels, in chip pixels (spec 5.1 gives 5 / 64 / 90 for 512 px
# chips; the synthetic chips are 256 px with objects at half the chip-pixel
# sizes of the COCO recipe, so the thresholds are halved too).
focus_dc_low = 2.5        # sqrt(area) <= this: don't care
focus_small = 32          # (dc_low, small): FocusPixel (positive)
focus_dc_high = 45        # [small, dc_high): don't care; above: negative
# SNIPER pyramid (--mode sniper): the training scales, finest first
# (factors 1.5 and 0.75, long side 256), with the SNIPER config's
# test_valid_ranges (original px, sqrt(area): lo exclusive, hi inclusive,
# -1 open).
sniper_scales = (1.5, 0.75, 256)
sniper_valid_ranges = ((-1, 72), (40, 192), (75, -1))
# AutoFocus (--mode autofocus), coarse to fine. The coarse scale is long
# side 512, not 256: the training scales are 4.4x apart from coarse to mid
# (COCO's are ~2x), so at long side 256 nearly every object is "small"
# (< 32 chip px) and the FocusChips of the mid scale would cover the whole
# image. At 512 the coarse pass also detects objects down to 40 px (its
# valid range), and the mid scale is only needed where the map says so.
# The mid scale keeps its small detections too (lower bound -1, where the
# pyramid's mid scale has 40): the fine scale only sees FocusChips, and an
# object it misses is still found at 0.75 (+1.1 mAP at t=0.4/0.5 on bench
# val, +0.1 at the default point; soft-NMS merges the duplicates).
autofocus_scales = (512, 0.75, 1.5)
autofocus_valid_ranges = ((40, -1), (-1, 192), (-1, 72))
# per transition (coarse->mid, mid->fine): dilation d, threshold t and
# minimum chip side k in cells of the current scale (spec 5.3). Tuned on 20
# images of the bench val split for the pyramid's accuracy (within 1 mAP
# point); higher mid->fine thresholds are faster and lose small objects
# (the operating points of docs/benchmarks.md).
focus_transitions = (
    dict(dilation=3, threshold=0.2, min_chip_cells=3),
    dict(dilation=3, threshold=0.2, min_chip_cells=8))
border_margin = 10.       # original px (spec 5.4)
# proposals and detections per megapixel of each input (whole images and
# FocusChips alike; see the SNIPER config)
rpn_budget = _base_.test_rpn_budget
det_budget = _base_.test_det_budget
# ----------------------------------------------------------------

model = dict(
    type='FocusFasterRCNN',
    focus_head=dict(
        type='FocusPixelHead',
        in_channels=64,
        feat_channels=64,
        in_index=2,       # P4 of the FPN: stride 16
        stride=16,
        dc_low=focus_dc_low,
        small_thresh=focus_small,
        dc_high=focus_dc_high),
    # per image or chip, before the cross-scale merge (spec 4: score > 1e-3)
    test_cfg=dict(
        rpn=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(score_thr=1e-3, max_per_img=100)))

# Test pipeline of the multi-scale modes: the original image, unresized
# (the wrappers resize and crop it per scale).
multiscale_test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=_base_.backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape'))
]
merge_nms = dict(type='soft_nms', method='gaussian', sigma=0.55,
                 min_score=1e-3, iou_threshold=0.3)
# --mode sniper (or --tta): the full pyramid
sniper_test_model = dict(
    type='SniperMultiScaleTTA',
    tta_cfg=dict(
        scales=sniper_scales,
        valid_ranges=sniper_valid_ranges,
        nms=merge_nms,
        max_per_img=200,
        rpn_budget=rpn_budget,
        det_budget=det_budget,
        chips_per_batch=1))
tta_model = sniper_test_model
tta_pipeline = multiscale_test_pipeline
# --mode autofocus
autofocus_test_model = dict(
    type='AutoFocusDetector',
    autofocus_cfg=dict(
        scales=autofocus_scales,
        valid_ranges=autofocus_valid_ranges,
        focus=focus_transitions,
        border_margin=border_margin,
        rpn_budget=rpn_budget,
        det_budget=det_budget,
        nms=merge_nms,
        max_per_img=200,
        chips_per_batch=1))
