# README command 1: SNIPER chips + a FocusPixel head trained jointly from
# scratch on the synthetic quickstart split for one epoch (about 5-7 min on
# 2 CPU cores), then tested with AutoFocus and compared with the full
# pyramid (tools/quickstart.sh). The 4-epoch recipe it shortens:
# autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py.
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'

# one pass over the chips of the quickstart split (the cosine schedule ends
# with training)
train_cfg = dict(max_epochs=1, val_interval=1)
# AdamW; higher than the 4-epoch recipe's 1e-3
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [  # a 50-iteration warm-up
    dict(_base_.param_scheduler[0], end=50), _base_.param_scheduler[1]
]
