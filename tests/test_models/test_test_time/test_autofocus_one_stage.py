"""AutoFocusDetector around a one-stage detector with a FocusPixel head
(FocusRetinaNet): raw dense candidates and the map from one feature pass,
FocusChips of a sparse map (fewer pixels than the pyramid), the coarse
scale alone for an empty map, and the error for a plain RetinaNet."""
import copy
import math
import os.path as osp

import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmsniper.models.test_time import AutoFocusDetector, SniperMultiScaleTTA
from mmsniper.models.test_time.raw_predict import raw_detections
from mmsniper.models.test_time.raw_predict_dense import raw_dense_detections

pytestmark = pytest.mark.usefixtures('single_thread')

AF = ('configs/autofocus/autofocus_retinanet_r18-w16_fpn_1xb8-4e_'
      'synthetic.py')
SNIPER = 'configs/sniper/sniper_retinanet_r18-w16_fpn_1xb8-4e_synthetic.py'
NMS = dict(type='nms', iou_threshold=0.5)


def _no_predict(*args, **kwargs):
    raise AssertionError('the fallback to predict() ran')


@pytest.fixture(scope='module')
def retina_cfg(repo_root):
    init_default_scope('mmdet')
    return Config.fromfile(osp.join(repo_root, AF)).model


def _autofocus(cfg, maps, monkeypatch):
    """AutoFocus at 0.25 / 0.5 / 1 whose FocusPixel maps are
    ``maps(h_cells, w_cells)`` (the detections are the real model's)."""
    torch.manual_seed(0)
    model = AutoFocusDetector(
        module=copy.deepcopy(cfg),
        autofocus_cfg=dict(
            scales=[0.25, 0.5, 1.0],
            valid_ranges=None,
            focus=[dict(dilation=1, threshold=0.5, min_chip_cells=2),
                   dict(dilation=1, threshold=0.5, min_chip_cells=1)],
            nms=NMS)).eval()
    det = model.module
    monkeypatch.setattr(det, 'predict', _no_predict)
    monkeypatch.setattr(
        det, 'predict_focus', lambda x, samples: [
            maps(math.ceil(s.img_shape[0] / 16),
                 math.ceil(s.img_shape[1] / 16)) for s in samples
        ])
    return model


def test_raw_detections_and_map_of_one_pass(retina_cfg, data, monkeypatch):
    torch.manual_seed(0)
    det = MODELS.build(copy.deepcopy(retina_cfg)).eval()
    monkeypatch.setattr(det, 'predict', _no_predict)
    d = det.data_preprocessor(data(64, 96), False)
    dets, maps = raw_detections(det, d['inputs'], d['data_samples'],
                                det_max=50, with_focus=True)
    with torch.no_grad():
        ref = raw_dense_detections(det, d['inputs'], d['data_samples'],
                                   det_max=50)
        x = det.extract_feat(d['inputs'])
        prob = det.focus_head(x)['seg_preds'].softmax(1)[0, 1]
    torch.testing.assert_close(dets[0][1], ref[0][1])
    torch.testing.assert_close(dets[0][0], ref[0][0])
    assert maps[0].shape == (4, 6)  # stride 16 on 64 x 96
    torch.testing.assert_close(maps[0], prob)


def test_sparse_map_fewer_pixels(retina_cfg, data, monkeypatch):
    def corner(h, w):  # one FocusPixel: the top-left cell
        m = torch.zeros(h, w)
        m[0, 0] = 1.
        return m

    model = _autofocus(retina_cfg, corner, monkeypatch)
    out = model.test_step(data(256, 256))[0]
    # coarse cell (0, 0), k=2 -> px [0, 32) at 0.25 -> original [0, 128);
    # its map's cell (0, 0), k=1 -> px [0, 16) at 0.5 -> original [0, 32)
    assert [c.tolist() for c in out.focus_chips] == [
        [[0, 0, 256, 256]], [[0, 0, 128, 128]], [[0, 0, 32, 32]]]
    assert out.pixels_per_scale == [64 * 64, 64 * 64, 32 * 32]
    assert out.full_pyramid_pixels == 64 * 64 + 128 * 128 + 256 * 256
    assert out.pixels_processed < out.full_pyramid_pixels
    b = out.pred_instances.bboxes
    assert 0 < len(b) <= 200
    assert (b >= -1e-3).all() and (b <= 256 + 1e-3).all()
    assert out.pred_focus_map.prob.shape == (1, 4, 4)


def test_empty_map_is_the_coarse_scale(retina_cfg, data, monkeypatch):
    model = _autofocus(retina_cfg, torch.zeros, monkeypatch)
    out = model.test_step(data(256, 256))[0]
    assert out.pixels_per_scale == [64 * 64, 0, 0]
    assert [len(c) for c in out.focus_chips] == [1, 0, 0]
    # the pyramid at the coarse scale alone, on the same weights
    coarse = SniperMultiScaleTTA(
        module=model.module,
        tta_cfg=dict(scales=[0.25], valid_ranges=None, nms=NMS)).eval()
    ref = coarse.test_step(data(256, 256))[0]
    assert ref.pixels_per_scale == [64 * 64]
    assert len(out.pred_instances) > 0
    for key in ('bboxes', 'scores', 'labels'):
        torch.testing.assert_close(out.pred_instances[key],
                                   ref.pred_instances[key])


def test_plain_retinanet_is_refused(repo_root):
    init_default_scope('mmdet')
    plain = Config.fromfile(osp.join(repo_root, SNIPER)).model
    with pytest.raises(ValueError,
                       match=r'FocusPixel head .*got RetinaNet, which has '
                       r'none.*use FocusRetinaNet'):
        AutoFocusDetector(module=plain)
