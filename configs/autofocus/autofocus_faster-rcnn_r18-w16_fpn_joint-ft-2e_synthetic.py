# AutoFocus on top of a trained SNIPER model, stage 3 of 3: detector and
# FocusPixel head fine-tuned jointly on SNIPER chips for 2 epochs at a low
# learning rate, from stage 2's checkpoint. This is the model of the
# inference benchmark (docs/benchmarks.md).
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# ---------------- frequently changed parameters ----------------
max_epochs = 2
base_lr = 2e-4
load_from = 'work_dirs/autofocus_faster-rcnn_r18-w16_fpn_focus-only-4e-cont_synthetic/epoch_4.pth'  # noqa: E501
# ----------------------------------------------------------------

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         eta_min=base_lr * 0.05, convert_to_iter_based=True)
]
