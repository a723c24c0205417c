# The CPU backbone and neck of the synthetic configs, as overrides of mmdet's
# ResNet-50 and FPN: ResNet-18 at a quarter of its width (stage channels
# 16/32/64/128), FPN with 64 channels. BatchNorm is trained (not frozen), as
# in SNIPER, so no pretrained weights are needed. Any mmdet R50-FPN model
# takes them (a second `model` in the bases would clash):
#   _base_ = ['mmdet::_base_/models/<detector>_r50_fpn.py',
#             '../_base_/models/r18-w16_fpn_parts.py']
#   model = dict(backbone=_base_.r18_w16_backbone, neck=_base_.r18_w16_neck)
norm_cfg = dict(type='BN', requires_grad=True)
r18_w16_backbone = dict(
    depth=18,
    base_channels=16,
    frozen_stages=-1,
    norm_cfg=norm_cfg,
    norm_eval=False,
    init_cfg=None)
r18_w16_neck = dict(in_channels=[16, 32, 64, 128], out_channels=64)
