"""FocusMaskRCNN (focus_mask_rcnn.py): Mask R-CNN plus a FocusPixel head,
its losses, masks and FocusPixel map (focus-head-only training of both
detectors: test_focus_two_stage.py)."""
import numpy as np
import pytest
import torch
from mmdet.models.detectors import MaskRCNN
from mmdet.registry import MODELS
from mmdet.structures.mask import BitmapMasks
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.models.detectors import FocusMaskRCNN, FocusTwoStageMixin
from mmsniper.testing import focus_sample, tiny_focus_detector_cfg

pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def mask_cfg(repo_root):
    init_default_scope('mmdet')
    return tiny_focus_detector_cfg(repo_root, mask=True)


def _batch():
    """Two 64 x 64 chips; each valid box has a filled box mask."""
    samples = [focus_sample([[4, 4, 30, 30]], [[40, 40, 60, 60]]),
               focus_sample([[10, 10, 50, 40]])]
    for s in samples:
        masks = np.zeros((len(s.gt_instances), 64, 64), np.uint8)
        for k, (x1, y1, x2, y2) in enumerate(
                s.gt_instances.bboxes.int().tolist()):
            masks[k, y1:y2, x1:x2] = 1
        s.gt_instances.masks = BitmapMasks(masks, 64, 64)
        s.set_metainfo(dict(batch_input_shape=(64, 64), pad_shape=(64, 64),
                            scale_factor=(1., 1.), ori_shape=(64, 64)))
    return torch.rand(2, 3, 64, 64) * 255, samples


def test_registered_as_a_mask_rcnn_with_the_mixin(mask_cfg):
    assert MODELS.get('FocusMaskRCNN') is FocusMaskRCNN
    assert FocusMaskRCNN.__mro__[1] is FocusTwoStageMixin
    assert issubclass(FocusMaskRCNN, MaskRCNN)
    assert mask_cfg['type'] == 'FocusMaskRCNN'


def test_losses_masks_and_focus_map(mask_cfg):
    torch.manual_seed(0)
    model = MODELS.build(mask_cfg)
    model.init_weights()
    assert model.with_focus_head and model.roi_head.with_mask
    inputs, samples = _batch()
    losses = model.loss(inputs, samples)
    assert {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox',
            'loss_mask', 'loss_focus'} <= set(losses)
    assert all(torch.isfinite(v).all() for k, v in losses.items()
               if k.startswith('loss') and torch.is_tensor(v))
    model.eval()
    with torch.no_grad():
        out = model.predict(inputs, _batch()[1])
    for s in out:
        inst = s.pred_instances
        assert len(inst) > 0
        assert tuple(inst.masks.shape[1:]) == (64, 64)  # one per box
        assert len(inst.masks) == len(inst.bboxes)
        assert tuple(s.pred_focus_map.prob.shape) == (1, 4, 4)
        assert s.pred_focus_map.stride == 16

