# SNIPER's assigners (docs/ignore_rule.md), shared by every SNIPER model:
# - RPN: SNIPER's thresholds (positive IoU >= 0.5, negative < 0.4) and its
#   ignore rule: anchors with IoU > 0.3 to an invalid (ignored) box get no
#   label, also in chips without any valid box (SniperMaxIoUAssigner);
# - RoI head: RoIs with IoU > 0.5 to an invalid box (those the original makes
#   positives of it) get no label; the other RoIs on it are background, as in
#   the original.
# Use as `assigner=dict(_delete_=True, **_base_.sniper_rpn_assigner)`.
sniper_rpn_assigner = dict(
    type='SniperMaxIoUAssigner',
    pos_iou_thr=0.5,
    neg_iou_thr=0.4,
    min_pos_iou=0.3,
    match_low_quality=True,
    ignore_thr=0.3,
    ignore_mode='iou')
sniper_rcnn_assigner = dict(
    type='SniperMaxIoUAssigner',
    pos_iou_thr=0.5,
    neg_iou_thr=0.5,
    min_pos_iou=0.5,
    match_low_quality=False,
    ignore_thr=0.5,
    ignore_mode='iou')
# - RetinaNet (docs/sniper_training.md, "One-stage detectors"): mmdet's
#   RetinaNet thresholds (positive IoU >= 0.5, negative < 0.4, every box
#   keeps its best anchor) with the RPN's ignore rule (ATSS's assigner is in
#   ./atss_on_retinanet.py).
sniper_retinanet_assigner = dict(sniper_rpn_assigner, min_pos_iou=0.0)
