# SNIPER with instance masks on CPU: the synthetic SNIPER recipe
# (./sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py: quarter-width
# ResNet-18 + FPN, 256x256 chips at 3 scales) plus a Mask R-CNN mask branch
# trained on the chips' polygons (the synthetic set's segmentations).
#   python tools/train.py \
#       configs/sniper/sniper_mask-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py
#   python tools/test.py CONFIG CKPT --tta   # the pyramid, bbox + segm
# (docs/masks.md; the *_pyramid-test.py leaf config is the same test for
# init_detector, DetInferencer and mmdet's tools/test.py).
_base_ = [
    './sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py',
    '../_base_/models/sniper_mask_branch_r18-w16.py'
]

model = dict(type='MaskRCNN', **_base_.mask_branch)

# the recipe's chips with polygons (cropped by SnipChipCrop), segm too
train_pipeline = _base_.mask_train_pipeline
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))

val_evaluator = dict(metric=_base_.mask_metrics)
test_evaluator = _base_.mask_test_evaluator
