# The SNIPER training pipeline of every SNIPER config: the image and its
# boxes, a flip, SnipChipCrop (crop the epoch's chip, rescale, pad to the
# `sniper` block's chip_size, flag the invalid boxes ignored) and
# PackChipInputs. A base of ./sniper_chips.py and of the synthetic SNIPER
# config (which changes min_box_side for its smaller chips).
sniper_train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomFlip', prob=0.5),  # before the crop (see SnipChipCrop)
    # crop, rescale, pad to chip_size, flag the invalid boxes ignored; boxes
    # under 10 chip px and crowd (COCO) or difficult (VOC) boxes are dropped,
    # as the original
    dict(type='SnipChipCrop', min_box_side=10, flagged_boxes='drop'),
    dict(type='PackChipInputs')  # PackDetInputs + the chip meta keys
]
