# AutoFocus on top of a trained SNIPER model, stage 3 of 3: detector and
# FocusPixel head fine-tuned jointly on SNIPER chips for 2 epochs at a low
# learning rate, from stage 2's checkpoint. This is the model of the
# inference benchmark (docs/benchmarks.md).
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

load_from = 'work_dirs/autofocus_faster-rcnn_r18-w16_fpn_focus-only-4e-cont_synthetic/epoch_4.pth'  # noqa: E501

train_cfg = dict(max_epochs=2, val_interval=2)
optim_wrapper = dict(optimizer=dict(lr=2e-4))
param_scheduler = [  # a short warm-up from 0.1 x lr, cosine to 0.05 x lr
    dict(_base_.param_scheduler[0], start_factor=0.1, end=50),
    dict(_base_.param_scheduler[1], eta_min_ratio=0.05)
]
