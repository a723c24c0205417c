# SNIPER on PASCAL VOC 07+12 (test on VOC2007 test): Faster R-CNN R101-FPN
# on 512x512 chips at the original's resolution-mode scales (the `sniper`
# block of ../_base_/datasets/sniper_voc0712.py), BatchNorm trained, fp16,
# 8 GPUs x 16 chips, 7 epochs.
_base_ = [
    '../_base_/models/sniper_faster-rcnn_r101_fpn.py',
    '../_base_/datasets/sniper_voc0712.py',
    '../_base_/schedules/sniper_7e.py', '../_base_/sniper_runtime.py',
    '../_base_/tta/sniper_pyramid.py'  # --tta: the full pyramid (spec 4)
]

model = dict(roi_head=dict(bbox_head=dict(num_classes=20)))
# negative chips from the proposals of the RPN of step (a)
rpn_config = 'configs/rpn/sniper_rpn_r101_fpn_8xb16-amp-2e_voc0712.py'
train_dataloader = dict(
    dataset=dict(
        use_neg_chips=True,
        proposal_file='data/VOCdevkit/proposals/sniper_rpn_r101_fpn_'
        'trainval0712.pkl'))
