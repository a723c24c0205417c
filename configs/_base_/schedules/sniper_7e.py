# SNIPER's schedule (spec 3): SGD lr 0.015, momentum 0.9, weight decay 1e-4,
# linear warm-up over 1000 iterations from 0.0005, 7 epochs with one x0.1
# decay at epoch 5.33, fp16 through mmengine's AmpOptimWrapper (dynamic loss
# scale replaces the original's fixed scale of 100). An "epoch" is the chip
# count of the first epoch (SniperDataset's epoch length, as the original).
max_epochs = 7
# ResumableEpochBasedTrainLoop: mmengine's epoch loop with per-step seeds and
# mid-epoch resume, so that kill + --resume equals a straight run
train_cfg = dict(
    type='ResumableEpochBasedTrainLoop', max_epochs=max_epochs,
    val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    # 0.0005 -> 0.015 over the first 1000 iterations
    dict(
        type='LinearLR',
        start_factor=0.0005 / 0.015,
        by_epoch=False,
        begin=0,
        end=1000),
    # x0.1 from epoch 5.33 on (a fractional epoch needs the iteration-based
    # form: begin = int(5.33 * iterations per epoch))
    dict(
        type='ConstantLR',
        factor=0.1,
        by_epoch=True,
        begin=5.33,
        convert_to_iter_based=True)
]

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='SGD', lr=0.015, momentum=0.9, weight_decay=1e-4))

# base_batch_size = (8 GPUs) x (16 chips per GPU)
auto_scale_lr = dict(enable=False, base_batch_size=128)
