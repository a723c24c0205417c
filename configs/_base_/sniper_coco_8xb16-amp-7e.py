# Everything of the COCO SNIPER configs but the model: SNIPER's chips
# (./datasets/sniper_coco_detection.py: scales, valid ranges, 512 chips,
# the pixels metric) with negative chips from the proposals of the RPN of
# step (a), SNIPER's 7-epoch fp16 schedule, the runtime and the pyramid
# test. A COCO SNIPER config is a model plus this file:
#   _base_ = ['<model base(s)>', '../_base_/sniper_coco_8xb16-amp-7e.py']
# (configs/sniper/sniper_{faster-rcnn,retinanet,atss}_r101_fpn_8xb16-amp-
# 7e_coco.py).
_base_ = [
    './datasets/sniper_coco_detection.py', './schedules/sniper_7e.py',
    './sniper_runtime.py',
    './tta/sniper_pyramid.py'  # --tta: the full pyramid (spec 4)
]

# tools/train_neg_props_and_sniper.sh: the RPN of step (a) (its proposals
# give the negative chips of every detector trained on this recipe)
rpn_config = 'configs/rpn/sniper_rpn_r101_fpn_8xb16-amp-2e_coco.py'

train_dataloader = dict(
    dataset=dict(
        use_neg_chips=True,  # negative chips from RPN proposals (spec 2)
        proposal_file='data/coco/proposals/sniper_rpn_r101_fpn_'
        'train2017.pkl'))

# for the Mask R-CNN children (*_mask-rcnn_*): the same chips with the
# polygons loaded (SnipChipCrop crops them) and segm evaluated too
mask_train_pipeline = [
    dict(t, with_mask=True, poly2mask=False)
    if t['type'] == 'LoadAnnotations' else t for t in _base_.train_pipeline
]
mask_test_evaluator = [
    dict(_base_.test_evaluator[0], metric=['bbox', 'segm']),
    *_base_.test_evaluator[1:]
]
