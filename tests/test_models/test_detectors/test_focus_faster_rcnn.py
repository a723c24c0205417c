"""FocusFasterRCNN: losses with the FocusPixel head, predict with and
without the map (FocusPixel-head-only training: test_focus_two_stage.py)."""
import pytest
import torch

import mmsniper  # noqa: F401
from mmsniper.testing import focus_sample

pytestmark = pytest.mark.usefixtures('single_thread')


def test_focus_faster_rcnn_loss_and_predict(repo_root):
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    from mmsniper.testing import tiny_focus_detector_cfg
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(tiny_focus_detector_cfg(repo_root))
    model.init_weights()
    inputs = torch.rand(2, 3, 64, 64) * 255
    samples = [focus_sample([[4, 4, 30, 30]], [[40, 40, 60, 60]]),
               focus_sample([[10, 10, 50, 40]])]
    for s in samples:
        s.set_metainfo(dict(batch_input_shape=(64, 64), pad_shape=(64, 64),
                            scale_factor=(1., 1.), ori_shape=(64, 64)))
    losses = model.loss(inputs, samples)
    assert {'loss_rpn_cls', 'loss_cls', 'loss_bbox', 'loss_focus'} <= set(
        losses)
    model.eval()
    with torch.no_grad():
        out = model.predict(inputs, samples)
    assert out[0].pred_focus_map.prob.shape == (1, 4, 4)
    assert 'bboxes' in out[0].pred_instances
    for s in samples:
        s.pop('pred_focus_map')
    with torch.no_grad():
        out = model.predict(inputs, samples, with_focus=False)
    assert 'pred_focus_map' not in out[1]

