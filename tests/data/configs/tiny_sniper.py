# The SNIPER synthetic recipe shrunk for the reliability tests on the `tiny`
# preset: 8 chips per epoch in batches of 2 (4 iterations), 3 epochs,
# a checkpoint every 3 iterations (mid-epoch ones included), no validation.
# data_root is set by the tests with --cfg-options; the fault hooks of
# mmsniper.testing.faults are loaded (inactive unless their environment
# variables are set).
_base_ = '../../../configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501

custom_imports = dict(
    imports=['mmsniper', 'mmsniper.testing.faults'],
    allow_failed_imports=False)
max_epochs = 3
sniper = dict(chip_size=128)
train_dataloader = dict(batch_size=2, dataset=dict(epoch_length=8))
train_cfg = dict(max_epochs=max_epochs, val_interval=100)
val_dataloader = None
val_cfg = None
val_evaluator = None
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=6),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         eta_min=1e-5, convert_to_iter_based=True)
]
default_hooks = dict(
    checkpoint=dict(interval=3, by_epoch=False, max_keep_ckpts=2),
    logger=dict(interval=1))
custom_hooks = [dict(type='ChipRebuildHook'), dict(type='KillAtIterHook')]
