# AutoFocus (Najibi, Singh and Davis, ICCV 2019) on COCO: the SNIPER R101-FPN
# recipe (512x512 chips at 3 scales, 8 GPUs x 16 chips, fp16) plus a
# FocusPixel head on the stride-16 FPN level (P4) trained jointly on the same
# chips, and the spec's multi-scale / AutoFocus test settings.
#   tools/dist_train.sh \
#       configs/autofocus/autofocus_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py 8
#   tools/dist_test.sh CONFIG CKPT 8 --mode autofocus --out results.json
#   tools/dist_test.sh CONFIG CKPT 8 --mode sniper      # full pyramid
_base_ = '../sniper/sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py'

# ---------------- frequently changed parameters ----------------
# FocusPixel labels in chip pixels (spec 5.1: 512 px chips)
focus_dc_low = 5          # sqrt(area) <= this: don't care
focus_small = 64          # (dc_low, small): FocusPixel
focus_dc_high = 90        # [small, dc_high): don't care; above: negative
# AutoFocus test scales, coarse to fine, (short side, max long side), and
# their valid ranges (original px; lo**2 < area <= hi**2; -1 open)
autofocus_scales = ((480, 512), (800, 1280), (1400, 2000))
autofocus_valid_ranges = ((75, -1), (32, 180), (-1, 75))
# per transition: dilation d, threshold t, min chip side k (cells)
focus_transitions = (
    dict(dilation=3, threshold=0.02, min_chip_cells=16),
    dict(dilation=3, threshold=0.2, min_chip_cells=20))
border_margin = 10.       # original px
# SNIPER multi-scale test (spec 4), finest first
sniper_test_scales = ((1400, 2000), (800, 1280), (480, 512))
sniper_test_valid_ranges = ((-1, 90), (32, 180), (75, -1))
# ----------------------------------------------------------------

model = dict(
    type='FocusFasterRCNN',
    focus_head=dict(
        type='FocusPixelHead',
        in_channels=256,
        feat_channels=256,
        in_index=2,       # P4 (stride 16) of P2-P6
        stride=16,
        dc_low=focus_dc_low,
        small_thresh=focus_small,
        dc_high=focus_dc_high),
    # per scale / chip, before the merge (spec 4: score > 1e-3, 300 RoIs)
    test_cfg=dict(
        rpn=dict(nms_pre=6000, max_per_img=300),
        rcnn=dict(score_thr=1e-3, max_per_img=300)))

multiscale_test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=_base_.backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape'))
]
merge_nms = dict(type='soft_nms', method='gaussian', sigma=0.55,
                 min_score=1e-3, iou_threshold=0.3)
sniper_test_model = dict(
    type='SniperMultiScaleTTA',
    tta_cfg=dict(
        scales=sniper_test_scales,
        valid_ranges=sniper_test_valid_ranges,
        nms=merge_nms,
        max_per_img=200,
        chips_per_batch=(2, 2, 4)))
tta_model = sniper_test_model
tta_pipeline = multiscale_test_pipeline
autofocus_test_model = dict(
    type='AutoFocusDetector',
    autofocus_cfg=dict(
        scales=autofocus_scales,
        valid_ranges=autofocus_valid_ranges,
        focus=focus_transitions,
        border_margin=border_margin,
        nms=merge_nms,
        max_per_img=200,
        chips_per_batch=(8, 8, 2)))
