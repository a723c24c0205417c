# SNIPER training on chips of an mmdet dataset: what sniper_coco_detection.py
# and sniper_voc0712.py share (each lists this file beside mmdet's dataset
# base). mmengine forbids a key in two bases, so the pieces that replace
# mmdet's own keys are named sniper_* (the pipeline comes from
# ./sniper_train_pipeline.py): the dataset bases set
#   train_pipeline = _base_.sniper_train_pipeline
#   train_dataloader = dict(_base_.sniper_train_dataloader, dataset=dict(
#       _delete_=True, **_base_.sniper_train_dataloader.dataset,
#       dataset=<the mmdet training set, pipeline=train_pipeline>))
_base_ = './sniper_train_pipeline.py'

custom_imports = dict(imports=['mmsniper'], allow_failed_imports=False)
# The SNIPER block (spec 1 and 4): one source for the training chips
# (SniperDataset's chip_cfg, SnipChipCrop's padding, NegChipMine's geometry)
# and the SNIPER test (tools/test.py --tta), resolved when the runner is
# built; the dataset bases add their `scales`, configs override its keys
# (`sniper = dict(chip_size=...)`).
sniper = dict(
    # per scale, sqrt(w*h) of the boxes it trains on, original px (-1: open)
    valid_ranges=((-1, 80), (32, 150), (120, -1)),
    chip_size=512,        # network input side (chips are zero-padded)
    stride=(56, 59),      # candidate-chip grid stride, drawn per epoch
    # SNIPER test: (short side, max long side), finest first, and the
    # ranges of the detections kept per scale (lo**2 < area <= hi**2)
    test_scales=((1400, 2000), (800, 1280), (480, 512)),
    test_valid_ranges=((-1, 90), (32, 180), (75, -1)))
sniper_train_dataloader = dict(
    batch_size=16,        # chips per GPU
    num_workers=4,
    batch_sampler=None,   # chips are padded squares: no aspect grouping
    dataset=dict(
        type='SniperDataset',
        chip_cfg=dict(from_block='sniper'),  # filled by SniperRunner
        # negative chips mined from the proposals (spec 2), with
        # use_neg_chips=True and a proposal_file; M (NegChipMine's
        # min_proposals): > 25 proposals at the finest scale, > 10 at the
        # others
        neg_chip_mine=dict(type='NegChipMine', num_neg_chips=2),
        chip_workers=4))  # processes rebuilding the chip list each epoch

custom_hooks = [dict(type='ChipRebuildHook')]
