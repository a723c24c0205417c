# SNIPER multi-scale testing of a plain SNIPER synthetic model (no FocusPixel
# head): the SNIPER CPU config plus its 3-scale test pyramid (the `sniper`
# block's test scales, i.e. the training scales, finest first, and its
# test_valid_ranges), for
#   python tools/test.py THIS_CONFIG SNIPER_CKPT --mode sniper   (or --tta)
_base_ = '../sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

model = dict(test_cfg=dict(rcnn=dict(score_thr=1e-3, max_per_img=100)))
multiscale_test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=_base_.backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape'))
]
sniper_test_model = dict(
    type='SniperMultiScaleTTA',
    tta_cfg=dict(
        nms=dict(type='soft_nms', method='gaussian', sigma=0.55,
                 min_score=1e-3, iou_threshold=0.3),
        max_per_img=200,
        chips_per_batch=1))
tta_model = sniper_test_model
tta_pipeline = multiscale_test_pipeline
