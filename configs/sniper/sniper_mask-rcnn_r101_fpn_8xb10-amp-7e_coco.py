# SNIPER with instance masks on COCO, after the original's
# sniper_res101_e2e_mask config: the SNIPER R101-FPN recipe
# (./sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py: 512x512 chips at 3
# scales, BatchNorm trained, fp16, 7 epochs) plus mmdet's Mask R-CNN mask
# branch (28x28 targets), trained on the chips' polygons, 10 chips per GPU
# as the original's mask variants (spec 3).
#   tools/train_neg_props_and_sniper.sh \
#       configs/sniper/sniper_mask-rcnn_r101_fpn_8xb10-amp-7e_coco.py 8
#   tools/dist_test.sh CONFIG CKPT 8 --tta   # the pyramid, bbox + segm
_base_ = [
    './sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py',
    '../_base_/models/sniper_mask_branch.py'
]

model = dict(type='MaskRCNN', **_base_.mask_branch)

train_dataloader = dict(  # the recipe's chips with polygons, segm too
    batch_size=10,  # chips per GPU, x 8 GPUs = 80 per iteration
    dataset=dict(dataset=dict(pipeline=_base_.mask_train_pipeline)))
val_evaluator = dict(metric=_base_.mask_metrics)
test_evaluator = _base_.mask_test_evaluator
