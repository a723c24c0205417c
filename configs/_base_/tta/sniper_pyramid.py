# SNIPER multi-scale test (spec 4), selected with tools/test.py --tta (also
# mmdet's own tools/test.py --tta) or by a *_pyramid-test.py leaf config.
# The scales and valid ranges come from the config's `sniper` block
# (test_scales, test_valid_ranges; the spec's COCO values when there is
# none); per scale every RoI class score > 1e-3 is kept, the scales are
# merged once with Gaussian soft-NMS (sigma 0.55).
tta_model = dict(
    type='SniperMultiScaleTTA',
    tta_cfg=dict(
        nms=dict(type='soft_nms', method='gaussian', sigma=0.55,
                 min_score=1e-3, iou_threshold=0.3),
        score_floor=1e-3,
        max_per_img=200,    # per image, grown to max_per_mpix * Mpix
        max_per_mpix=100,   # (a 200 Mpix scene keeps up to 20000)
        chips_per_batch=1,  # or one per scale
        # inputs over 2048 px a side (fine scales of huge images) run as
        # overlapping tiles, pruned on inner tile edges
        tile=dict(size=2048, overlap=256, border_margin=8)))
# The original image, unresized: the wrapper moves it to the model's device
# once and resizes it there per scale. (A TestTimeAug pipeline with one
# Resize per scale, finest first, also works: mmdet's idiom, at the cost of
# one host copy per scale; its factors are checked against the scales.)
# PackImageView is PackDetInputs without its copy of the image (a
# channel-first view of the decoded array): a huge image is held once.
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackImageView',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape'))
]
