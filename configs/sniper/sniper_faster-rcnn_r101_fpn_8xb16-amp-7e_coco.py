# SNIPER (Singh et al., NeurIPS 2018) on COCO: Faster R-CNN R101-FPN trained
# on 512x512 chips at 3 scales, BatchNorm trained, fp16, 8 GPUs x 16 chips.
# Full pipeline with negative chips (RPN -> proposals -> this config):
#   tools/train_neg_props_and_sniper.sh \
#       configs/sniper/sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py 8
_base_ = [
    '../_base_/models/sniper_faster-rcnn_r50_fpn.py',
    '../_base_/datasets/sniper_coco_detection.py',
    '../_base_/schedules/sniper_7e.py', '../_base_/sniper_runtime.py'
]

# ---------------- frequently changed parameters ----------------
# scales, finest first: factor 3, factor 1.667, long side 512 px
scales = (3.0, 1.667, 512)
# per scale, sqrt(w*h) of the boxes it trains on, original px (-1: open)
valid_ranges = ((-1, 80), (32, 150), (120, -1))
chip_size = 512           # network input side (chips are zero-padded)
chip_stride = (56, 59)    # candidate-chip grid stride, drawn per epoch
chips_per_gpu = 16        # x 8 GPUs = 128 chips per iteration
use_neg_chips = True      # negative chips from RPN proposals (spec 2)
num_neg_chips = 2         # negative chips sampled per image and epoch
proposal_file = 'data/coco/proposals/sniper_rpn_r101_fpn_train2017.pkl'
rpn_config = 'configs/sniper/sniper_rpn_r101_fpn_8xb16-amp-2e_coco.py'
# ----------------------------------------------------------------

model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet101')))

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
