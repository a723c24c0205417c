# AutoFocus with instance masks on CPU: the synthetic AutoFocus recipe
# (./autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py: SNIPER chips
# plus a FocusPixel head trained jointly) with a Mask R-CNN mask branch
# trained on the chips' polygons: FocusMaskRCNN.
#   python tools/train.py \
#       configs/autofocus/autofocus_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py
#   python tools/test.py CONFIG CKPT --tta   # AutoFocus, bbox + segm
#   python tools/test.py CONFIG_pyramid-test.py CKPT   # the full pyramid
# (docs/masks.md; tools/analysis/benchmark_masks.py compares the three).
_base_ = [
    './autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py',
    '../_base_/models/sniper_mask_branch_r18-w16.py'
]

model = dict(type='FocusMaskRCNN', **_base_.mask_branch)

# the SNIPER chip pipeline, loading polygons (cropped by SnipChipCrop)
train_pipeline = [
    dict(t, **_base_.mask_annotations) if t['type'] == 'LoadAnnotations'
    else t for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))

val_evaluator = dict(metric=_base_.mask_metrics)
test_evaluator = [
    dict(_base_.test_evaluator[0], metric=_base_.mask_metrics),
    *_base_.test_evaluator[1:]
]
