# AutoFocus on top of a trained SNIPER model, stage 1 of 3: the SNIPER
# synthetic model (configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_
# synthetic.py, 4 epochs) frozen, a FocusPixel head trained on the same
# SNIPER chips (train_cfg.focus_head_only). Stages 2 and 3: *_focus-only-
# 4e-cont_* and *_joint-ft-2e_*. The three stages made the checkpoint of
# the inference benchmark (docs/benchmarks.md); run them all with
#   bash tools/misc/train_autofocus_synthetic.sh
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

load_from = 'work_dirs/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic/epoch_4.pth'  # noqa: E501

model = dict(train_cfg=dict(focus_head_only=True))
# 2 epochs at the recipe's lr 1e-3; the cosine schedule ends with training
train_cfg = dict(max_epochs=2, val_interval=2)
param_scheduler = [  # a short warm-up from 0.1 x lr
    dict(_base_.param_scheduler[0], start_factor=0.1, end=50),
    _base_.param_scheduler[1]
]
