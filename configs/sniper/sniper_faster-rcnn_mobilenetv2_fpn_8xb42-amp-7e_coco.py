# SNIPER on COCO with a MobileNetV2-FPN Faster R-CNN (the original's
# MobileNetV2 setting: lr 0.025, 42 chips per GPU, 9000 warm-up iterations);
# same chips, scales, valid ranges and schedule as the R101 config.
_base_ = './sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py'

# tools/train_neg_props_and_sniper.sh: the RPN of step (a)
rpn_config = 'configs/rpn/sniper_rpn_mobilenetv2_fpn_8xb42-amp-2e_coco.py'

model = dict(
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        out_indices=(1, 2, 4, 6),  # strides 4, 8, 16, 32
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://mmdet/mobilenet_v2')),
    neck=dict(in_channels=[24, 32, 96, 320]))

train_dataloader = dict(
    batch_size=42,        # chips per GPU, x 8 GPUs
    dataset=dict(proposal_file='data/coco/proposals/sniper_rpn_mobilenetv2_'
                 'fpn_train2017.pkl'))

# the original's MobileNetV2 learning rate, warmed up from 0.0005 over 9000
# iterations; the x0.1 decay at epoch 5.33 is the R101 schedule's
optim_wrapper = dict(optimizer=dict(lr=0.025))
param_scheduler = [
    dict(_base_.param_scheduler[0], start_factor=0.0005 / 0.025, end=9000),
    _base_.param_scheduler[1]
]
auto_scale_lr = dict(base_batch_size=8 * 42)
