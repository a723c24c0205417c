# AutoFocus on top of a trained SNIPER model, stage 2 of 3: 4 more epochs of
# the FocusPixel head alone (detector frozen), from stage 1's checkpoint
# (a fresh warm-up and cosine schedule).
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_focus-only-2e_synthetic.py'

# ---------------- frequently changed parameters ----------------
max_epochs = 4
base_lr = 1e-3
load_from = 'work_dirs/autofocus_faster-rcnn_r18-w16_fpn_focus-only-2e_synthetic/epoch_2.pth'  # noqa: E501
# ----------------------------------------------------------------

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs,
         eta_min=base_lr * 0.02, convert_to_iter_based=True)
]
