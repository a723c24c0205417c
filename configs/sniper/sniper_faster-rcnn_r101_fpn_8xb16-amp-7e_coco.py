# SNIPER (Singh et al., NeurIPS 2018) on COCO: Faster R-CNN R101-FPN trained
# on 512x512 chips at 3 scales, BatchNorm trained, fp16, 8 GPUs x 16 chips.
# The scales, valid ranges and chip size are the `sniper` block of
# ../_base_/datasets/sniper_coco_detection.py (override its keys here or in a
# child: `sniper = dict(chip_size=...)`).
# Full pipeline with negative chips (RPN -> proposals -> this config):
#   tools/train_neg_props_and_sniper.sh \
#       configs/sniper/sniper_faster-rcnn_r101_fpn_8xb16-amp-7e_coco.py 8
_base_ = [
    '../_base_/models/sniper_faster-rcnn_r101_fpn.py',
    '../_base_/datasets/sniper_coco_detection.py',
    '../_base_/schedules/sniper_7e.py', '../_base_/sniper_runtime.py',
    '../_base_/tta/sniper_pyramid.py'  # --tta: the full pyramid (spec 4)
]

# tools/train_neg_props_and_sniper.sh: the RPN of step (a)
rpn_config = 'configs/rpn/sniper_rpn_r101_fpn_8xb16-amp-2e_coco.py'

train_dataloader = dict(
    dataset=dict(
        use_neg_chips=True,  # negative chips from RPN proposals (spec 2)
        proposal_file='data/coco/proposals/sniper_rpn_r101_fpn_'
        'train2017.pkl'))
