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

# the recipe's chips with polygons (cropped by SnipChipCrop), segm too
train_pipeline = _base_.mask_train_pipeline
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))

val_evaluator = dict(metric=_base_.mask_metrics)
test_evaluator = _base_.mask_test_evaluator

# --tta of the mask model: the coarse pass at long side 256 (the coarsest
# training scale, with the pyramid's valid range there) and FocusPixel
# thresholds 0.1, chosen on the val split (docs/benchmarks.md, "Mask
# AutoFocus: the coarse scale"): at long side 512 the large objects appear
# larger than any training chip showed them (segm AP_l 4 below the pyramid).
tta_model = dict(
    autofocus_cfg=dict(
        scales=(256, 0.75, 1.5),
        valid_ranges=((75, -1), (-1, 192), (-1, 72)),
        focus=[dict(dilation=3, threshold=0.1, min_chip_cells=3),
               dict(dilation=3, threshold=0.1, min_chip_cells=8)]))
autofocus_test_model = dict(autofocus_cfg=tta_model['autofocus_cfg'])
