# The RPN twin of a SNIPER detector: step (a) of negative chip mining (spec
# 2; tools/train_neg_props_and_sniper.sh). Every SNIPER detector model lists
# this file, and its configs/rpn/ leaf inherits the detector config (same
# backbone, neck, rpn_head, chips and schedule) with
#   model = dict(type='RPN', test_cfg=dict(rpn=_base_.sniper_rpn_test_cfg))
# (mmdet's RPN builds backbone, neck and rpn_head and ignores the inherited
# roi_head and rcnn settings), positive chips only, 2 epochs and no
# validation. tools/extract_proposals.py runs it at the training scales
# with these settings: proposals kept per image and scale.
sniper_rpn_test_cfg = dict(
    nms_pre=12000,
    max_per_img=300,
    nms=dict(type='nms', iou_threshold=0.7),
    min_bbox_size=3)
