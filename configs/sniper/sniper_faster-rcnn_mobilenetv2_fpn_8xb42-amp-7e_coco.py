# SNIPER on COCO with a MobileNetV2-FPN Faster R-CNN (the original's
# MobileNetV2 setting: lr 0.025, 42 chips per GPU, 9000 warm-up iterations);
# same chips, scales, valid ranges and schedule as the R101 config.
_base_ = './sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py'

# ---------------- frequently changed parameters ----------------
scales = (3.0, 1.667, 512)
valid_ranges = ((-1, 80), (32, 150), (120, -1))
chip_size = 512
chips_per_gpu = 42        # x 8 GPUs
use_neg_chips = True
num_neg_chips = 2
proposal_file = 'data/coco/proposals/sniper_rpn_mobilenetv2_fpn_train2017.pkl'  # noqa: E501
rpn_config = 'configs/sniper/sniper_rpn_mobilenetv2_fpn_8xb42-amp-2e_coco.py'  # noqa: E501
base_lr = 0.025
# ----------------------------------------------------------------

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
    batch_size=chips_per_gpu,
    dataset=dict(
        chip_cfg=dict(
            scales=scales, valid_ranges=valid_ranges, chip_size=chip_size),
        use_neg_chips=use_neg_chips,
        proposal_file=proposal_file,
        neg_chip_mine=dict(type='NegChipMine',
                           num_neg_chips=num_neg_chips)))

optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.0005 / base_lr,
        by_epoch=False,
        begin=0,
        end=9000),
    dict(
        type='ConstantLR',
        factor=0.1,
        by_epoch=True,
        begin=5.33,
        convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=8 * 42)
