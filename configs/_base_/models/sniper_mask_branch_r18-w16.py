# The mask branch (./sniper_mask_branch.py) for the CPU model of
# ./faster-rcnn_r18-w16_fpn.py: 64-channel FPN features, two 64-channel
# convs (a quarter of mmdet's width, half its depth), the synthetic set's
# 5 classes.
_base_ = './sniper_mask_branch.py'

mask_branch = dict(
    roi_head=dict(
        mask_roi_extractor=dict(out_channels=64),
        mask_head=dict(
            num_convs=2, in_channels=64, conv_out_channels=64,
            num_classes=5)))
