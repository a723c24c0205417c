# ATSS (Zhang et al., CVPR 2020) as the keys in which mmdet's
# atss/atss_r50_fpn_1x_coco.py differs from its _base_/models/
# retinanet_r50_fpn.py, with SNIPER's ignore rule in ATSS's assigner
# (SniperATSSAssigner: anchors with IoU > 0.3 to an invalid box get no label
# and are no ATSS candidates; docs/sniper_training.md), as one variable
# merged into a RetinaNet SNIPER config's model. mmdet's ATSS file is a
# full COCO config (data, schedule, runtime): as a base next to a SNIPER
# recipe its keys would clash, so its model keys are given here.
#   _base_ = ['<a RetinaNet SNIPER config>.py',
#             '../_base_/models/atss_on_retinanet.py']
#   model = dict(**_base_.atss_model)
atss_model = dict(
    type='ATSS',
    neck=dict(add_extra_convs='on_output'),
    bbox_head=dict(
        type='ATSSHead',
        # one square anchor per location, 8 x stride (octave_base_scale)
        anchor_generator=dict(
            ratios=[1.0], octave_base_scale=8, scales_per_octave=1),
        bbox_coder=dict(target_stds=[0.1, 0.1, 0.2, 0.2]),
        loss_bbox=dict(_delete_=True, type='GIoULoss', loss_weight=2.0),
        loss_centerness=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0)),
    train_cfg=dict(
        assigner=dict(
            _delete_=True,
            type='SniperATSSAssigner',
            topk=9,
            ignore_thr=0.3,
            ignore_mode='iou')),
    test_cfg=dict(nms=dict(iou_threshold=0.6)))
