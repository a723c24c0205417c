"""The RPN twins of configs/rpn/ (negative chip mining, step (a)): each is
the detector config whose ``rpn_config`` names it, with model type ``RPN``:
the same backbone, neck, RPN head, chips and schedule, positive chips only,
2 epochs, no validation and the mining proposal settings."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.engine import resolve_sniper_block

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
DETECTORS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', 'sniper', 'sniper_*.py'))
    if not p.endswith('-test.py'))
RPNS = sorted(glob.glob(osp.join(ROOT, 'configs', 'rpn', '*.py')))


def _load(path: str) -> Config:
    return resolve_sniper_block(Config.fromfile(path))


def test_each_rpn_config_serves_one_detector():
    named = [
        osp.normpath(osp.join(ROOT, Config.fromfile(p).rpn_config))
        for p in DETECTORS
    ]
    # every twin serves a detector (the Mask R-CNN and one-stage configs
    # share the RPN of the Faster R-CNN config they inherit)
    assert set(named) == set(RPNS) and len(RPNS) == 4


@pytest.mark.parametrize('path', DETECTORS, ids=osp.basename)
def test_rpn_twin_of_detector(path):
    det = _load(path)
    rpn = _load(osp.join(ROOT, det.rpn_config))
    assert rpn.model.type == 'RPN'
    if 'rpn_head' not in det.model:
        # a one-stage detector: the RPN twin of its recipe mines the
        # negative chips of the same chips
        assert rpn.train_dataloader.dataset.chip_cfg == \
            det.train_dataloader.dataset.chip_cfg
        return
    for key in ('data_preprocessor', 'backbone', 'neck', 'rpn_head'):
        part = dict(det.model[key])
        part.pop('pad_mask', None)  # Mask R-CNN pads its masks too
        assert rpn.model[key] == part, key
    with open(osp.join(ROOT, det.rpn_config)) as f:
        own_twin = osp.basename(path) in f.read()  # the twin inherits it
    if not own_twin:
        # a detector sharing the twin of the config it inherits (Mask
        # R-CNN, one-stage): the same RPN and chips are enough
        assert rpn.train_dataloader.dataset.chip_cfg == \
            det.train_dataloader.dataset.chip_cfg
        return
    assert rpn.model.train_cfg.rpn == det.model.train_cfg.rpn
    assert rpn.model.train_cfg.rpn.assigner.type == 'SniperMaxIoUAssigner'
    # the detector's chips, positive ones only; tools/extract_proposals.py
    # writes the detector's proposal file
    ds, det_ds = rpn.train_dataloader.dataset, det.train_dataloader.dataset
    assert ds.chip_cfg == det_ds.chip_cfg and ds.dataset == det_ds.dataset
    assert not ds.use_neg_chips
    assert ds.proposal_file == det_ds.proposal_file
    assert rpn.train_dataloader.batch_size == det.train_dataloader.batch_size
    # the detector's schedule, 2 epochs, no validation
    assert rpn.optim_wrapper == det.optim_wrapper
    assert rpn.param_scheduler == det.param_scheduler
    assert rpn.train_cfg.type == det.train_cfg.type
    assert rpn.train_cfg.max_epochs == 2
    assert (rpn.val_dataloader, rpn.val_cfg, rpn.val_evaluator) == (None, ) * 3
    # the mining test_cfg: 300 proposals per image and scale after NMS 0.7
    test = rpn.model.test_cfg.rpn
    assert (test.max_per_img, test.nms.type, test.nms.iou_threshold,
            test.min_bbox_size) == (300, 'nms', 0.7, 3)
    assert test.nms_pre == (2000 if path.endswith('_synthetic.py') else
                            12000)


def test_synthetic_rpn_builds_an_rpn():
    """mmdet's RPN builds from the twin (the inherited roi_head ignored)."""
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    cfg = _load(osp.join(ROOT, 'configs', 'rpn',
                         'sniper_rpn_r18-w16_fpn_1xb8-2e_synthetic.py'))
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'RPN'
    assert not hasattr(model, 'roi_head')
    assert model.bbox_head.test_cfg.nms_pre == 2000
    assert model.bbox_head.train_cfg.assigner.ignore_thr == 0.3
