# AutoFocus (Najibi, Singh and Davis, ICCV 2019) on COCO: the SNIPER R101-FPN
# recipe (512x512 chips at 3 scales, 8 GPUs x 16 chips, fp16) plus a
# FocusPixel head on the stride-16 FPN level (P4) trained jointly on the same
# chips, and the spec's multi-scale / AutoFocus test settings. The training
# chips and the SNIPER test scales and ranges (spec 4) are the `sniper`
# block of ../_base_/datasets/sniper_coco_detection.py.
#   tools/dist_train.sh \
#       configs/autofocus/autofocus_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py 8
#   tools/dist_test.sh CONFIG CKPT 8 --mode autofocus --out results.json
#   tools/dist_test.sh CONFIG CKPT 8 --mode sniper      # full pyramid
_base_ = '../sniper/sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py'

model = dict(
    type='FocusFasterRCNN',
    focus_head=dict(
        type='FocusPixelHead',
        in_channels=256,
        feat_channels=256,
        in_index=2,       # P4 (stride 16) of P2-P6
        stride=16,
        # FocusPixel labels in chip pixels (spec 5.1: 512 px chips):
        # sqrt(area) <= dc_low: don't care; (dc_low, small_thresh):
        # FocusPixel; [small_thresh, dc_high): don't care; above: negative
        dc_low=5,
        small_thresh=64,
        dc_high=90),
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
# SNIPER multi-scale test (spec 4) at the `sniper` test scales and ranges
sniper_test_model = dict(
    type='SniperMultiScaleTTA',
    tta_cfg=dict(nms=merge_nms, max_per_img=200, chips_per_batch=(2, 2, 4)))
tta_model = sniper_test_model
tta_pipeline = multiscale_test_pipeline
autofocus_test_model = dict(
    type='AutoFocusDetector',
    autofocus_cfg=dict(
        # coarse to fine, (short side, max long side), and their valid
        # ranges (original px; lo**2 < area <= hi**2; -1 open)
        scales=((480, 512), (800, 1280), (1400, 2000)),
        valid_ranges=((75, -1), (32, 180), (-1, 75)),
        # per transition: dilation d, threshold t, min chip side k (cells)
        focus=(dict(dilation=3, threshold=0.02, min_chip_cells=16),
               dict(dilation=3, threshold=0.2, min_chip_cells=20)),
        border_margin=10.,  # original px
        nms=merge_nms,
        max_per_img=200,
        chips_per_batch=(8, 8, 2)))
