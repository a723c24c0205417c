# PASCAL VOC 07+12 trained on SNIPER chips: mmdet's voc0712 with the training
# set (VOC2007 trainval + VOC2012 trainval, no RepeatDataset: SNIPER makes
# several chips per image) wrapped in a SniperDataset (./sniper_chips.py).
# Scales follow the original's resolution-mode yml: (short 1400, long
# <= 2000), (800, 1280), long side 512.
_base_ = ['mmdet::_base_/datasets/voc0712.py', './sniper_chips.py']

# (short side, max long side); (-1, 512) = long side 512
sniper = dict(scales=((1400, 2000), (800, 1280), (-1, 512)))
train_pipeline = _base_.sniper_train_pipeline
# VOC marks "difficult" boxes ignore_flag=1: they never make chips and
# SnipChipCrop drops them (flagged_boxes='drop'; the original loads none)
voc_train = dict(
    type=_base_.dataset_type,
    data_root=_base_.data_root,
    filter_cfg=dict(filter_empty_gt=False),
    pipeline=train_pipeline,
    backend_args=_base_.backend_args)
train_dataloader = dict(
    _base_.sniper_train_dataloader,
    dataset=dict(
        _delete_=True,
        **_base_.sniper_train_dataloader.dataset,
        # mmdet's ConcatDataset of the two years, without its RepeatDataset
        dataset=dict(
            _base_.train_dataloader.dataset.dataset,
            datasets=[
                dict(**voc_train, ann_file=d.ann_file,
                     data_prefix=d.data_prefix)
                for d in _base_.train_dataloader.dataset.dataset.datasets
            ])))
# pixels processed per image (and % of the full pyramid with --tta)
test_evaluator = [
    dict(_base_.test_evaluator),
    dict(type='ProcessedPixelsMetric')
]
