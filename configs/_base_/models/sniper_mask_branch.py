# The mask branch of mmdet's Mask R-CNN R50-FPN (14x14 RoIAlign on P2-P5,
# four 3x3 convs, 28x28 sigmoid masks, the mask loss on the sampled
# positive RoIs), as one variable that a SNIPER or AutoFocus Faster R-CNN
# config merges into its model (a second `model` in the bases would clash):
#   _base_ = ['<a Faster R-CNN SNIPER config>.py',
#             '../_base_/models/sniper_mask_branch.py']
#   model = dict(type='MaskRCNN', **_base_.mask_branch)
# The original's *_mask* configs train the same 28x28 targets on the same
# chips (spec 7: MaskRcnnTarget); ignored boxes carry no mask loss
# (SnipChipCrop gives them empty masks and PackDetInputs moves them to
# ignored_instances, which the mask head never reads).
mask_branch = dict(
    data_preprocessor=dict(pad_mask=True),
    roi_head=dict(
        mask_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
            out_channels=256,
            featmap_strides=[4, 8, 16, 32]),
        mask_head=dict(
            type='FCNMaskHead',
            num_convs=4,
            in_channels=256,
            conv_out_channels=256,
            num_classes=80,
            loss_mask=dict(
                type='CrossEntropyLoss', use_mask=True, loss_weight=1.0))),
    train_cfg=dict(rcnn=dict(mask_size=28)),
    # the threshold of the pasted 28x28 maps, single scale and through the
    # SNIPER / AutoFocus merge alike
    test_cfg=dict(rcnn=dict(mask_thr_binary=0.5)))
# LoadAnnotations of a mask config's training pipeline: polygons, not
# bitmaps (SnipChipCrop maps and clips them exactly; the bitmaps of a
# 20000 px image do not fit in memory)
# CocoMetric of a mask config
mask_metrics = ['bbox', 'segm']
