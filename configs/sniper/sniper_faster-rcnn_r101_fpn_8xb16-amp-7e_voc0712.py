# SNIPER on PASCAL VOC 07+12 (test on VOC2007 test): Faster R-CNN R101-FPN
# on 512x512 chips at the original's resolution-mode scales (the `sniper`
# block of ../_base_/datasets/sniper_voc0712.py), BatchNorm trained, fp16,
# 8 GPUs x 16 chips, 7 epochs.
_base_ = [
    '../_base_/models/sniper_faster-rcnn_r50_fpn.py',
    '../_base_/datasets/sniper_voc0712.py',
    '../_base_/schedules/sniper_7e.py', '../_base_/sniper_runtime.py',
    '../_base_/tta/sniper_pyramid.py'  # --tta: the full pyramid (spec 4)
]

# tools/train_neg_props_and_sniper.sh: the RPN of step (a)
rpn_config = 'configs/sniper/sniper_rpn_r101_fpn_8xb16-amp-2e_voc0712.py'

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet101')),
    roi_head=dict(bbox_head=dict(num_classes=20)))

train_dataloader = dict(
    batch_size=16,        # chips per GPU
    dataset=dict(
        use_neg_chips=True,
        proposal_file='data/VOCdevkit/proposals/sniper_rpn_r101_fpn_'
        'trainval0712.pkl'))

# pixels processed per image (and % of the full pyramid with --tta)
test_evaluator = [
    dict(_base_.test_evaluator),
    dict(type='ProcessedPixelsMetric')
]
