# COCO detection trained on SNIPER chips: mmdet's coco_detection with the
# training set wrapped in a SniperDataset (chips rebuilt every epoch by
# ChipRebuildHook; ./sniper_chips.py). Testing is mmdet's usual full-image
# pipeline.
_base_ = ['mmdet::_base_/datasets/coco_detection.py', './sniper_chips.py']

# scales, finest first: factor 3, factor 1.667, long side 512 px
sniper = dict(scales=(3.0, 1.667, 512))
train_pipeline = _base_.sniper_train_pipeline
train_dataloader = dict(
    _base_.sniper_train_dataloader,
    dataset=dict(
        _delete_=True,
        **_base_.sniper_train_dataloader.dataset,
        # mmdet's training set; images without boxes may still give
        # negative chips, images without any chip are skipped by
        # SniperDataset
        dataset=dict(
            _base_.train_dataloader.dataset,
            filter_cfg=dict(filter_empty_gt=False),
            pipeline=train_pipeline)))
# pixels processed per image (and % of the full pyramid with --tta)
test_evaluator = [
    dict(_base_.test_evaluator),
    dict(type='ProcessedPixelsMetric')
]
