# SNIPER on PASCAL VOC 07+12 (test on VOC2007 test): Faster R-CNN R101-FPN
# on 512x512 chips at the original's resolution-mode scales, BatchNorm
# trained, fp16, 8 GPUs x 16 chips, 7 epochs.
_base_ = [
    '../_base_/models/sniper_faster-rcnn_r50_fpn.py',
    '../_base_/datasets/sniper_voc0712.py',
    '../_base_/schedules/sniper_7e.py', '../_base_/sniper_runtime.py'
]

# ---------------- frequently changed parameters ----------------
# (short side, max long side); (-1, 512) = long side 512
scales = ((1400, 2000), (800, 1280), (-1, 512))
valid_ranges = ((-1, 80), (32, 150), (120, -1))  # original px, sqrt(w*h)
chip_size = 512
chip_stride = (56, 59)
chips_per_gpu = 16
use_neg_chips = True
num_neg_chips = 2
proposal_file = 'data/VOCdevkit/proposals/sniper_rpn_r101_fpn_trainval0712.pkl'  # noqa: E501
rpn_config = 'configs/sniper/sniper_rpn_r101_fpn_8xb16-amp-2e_voc0712.py'
# ----------------------------------------------------------------

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet101')),
    roi_head=dict(bbox_head=dict(num_classes=20)))

train_dataloader = dict(
    batch_size=chips_per_gpu,
    dataset=dict(
        chip_cfg=dict(
            scales=scales,
            valid_ranges=valid_ranges,
            chip_size=chip_size,
            stride=chip_stride),
        use_neg_chips=use_neg_chips,
        proposal_file=proposal_file,
        neg_chip_mine=dict(type='NegChipMine',
                           num_neg_chips=num_neg_chips)))
