# AutoFocus on top of a trained SNIPER model, stage 2 of 3: 4 more epochs of
# the FocusPixel head alone (detector frozen), from stage 1's checkpoint
# (a fresh warm-up and cosine schedule, stage 1's).
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_focus-only-2e_synthetic.py'

load_from = 'work_dirs/autofocus_faster-rcnn_r18-w16_fpn_focus-only-2e_synthetic/epoch_2.pth'  # noqa: E501

train_cfg = dict(max_epochs=4, val_interval=4)
