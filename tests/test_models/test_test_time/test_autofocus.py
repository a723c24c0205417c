"""AutoFocus test-time detector (spec 5.3 / 5.4)."""
import math

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.models.test_time import AutoFocusDetector, ChipResult
from mmsniper.models.test_time.base import chip_out_size
from mmsniper.testing import tiny_focus_detector_cfg


pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def detector_cfg(repo_root):
    init_default_scope('mmdet')
    return tiny_focus_detector_cfg(repo_root)


def _data(h=256, w=256, seed=0):
    rng = np.random.default_rng(seed)
    return dict(
        inputs=[torch.from_numpy(rng.integers(0, 255, (3, h, w), np.uint8))],
        data_samples=[DetDataSample(metainfo=dict(ori_shape=(h, w),
                                                  img_shape=(h, w)))])


def _model(detector_cfg, **kw):
    cfg = dict(
        scales=[0.25, 0.5, 1.0],
        valid_ranges=None,
        focus=[dict(dilation=1, threshold=0.5, min_chip_cells=2),
               dict(dilation=1, threshold=0.5, min_chip_cells=1)],
        nms=dict(type='nms', iou_threshold=0.5))
    cfg.update(kw)
    return AutoFocusDetector(detector=detector_cfg, autofocus_cfg=cfg)


def _fake(model, maps, dets, calls):
    """``maps(job) -> (h, w) array``, ``dets(job) -> (boxes, scores)``."""

    def run_chips(images, jobs, with_focus=False, batch_size=None):
        out = []
        for job in jobs:
            calls.append((job.factor, job.chip))
            h, w = chip_out_size(job.chip, job.factor,
                                 images[job.img_idx].shape[:2])
            shape = (math.ceil(h / 16), math.ceil(w / 16))
            prob = torch.as_tensor(maps(job, shape),
                                   dtype=torch.float32) if with_focus \
                else None
            b, s = dets(job)
            out.append(ChipResult(
                torch.tensor(b, dtype=torch.float32).reshape(-1, 4),
                torch.tensor(s, dtype=torch.float32),
                torch.zeros(len(s), dtype=torch.long), prob, h * w))
        return out

    model.run_chips = run_chips


def test_empty_map_gives_coarse_only(detector_cfg):
    model = _model(detector_cfg)
    calls = []
    _fake(model, lambda job, shape: np.zeros(shape),
          lambda job: ([[10, 10, 200, 200]], [0.9]), calls)
    out = model.test_step(_data())[0]
    assert calls == [(0.25, (0., 0., 256., 256.))]
    assert out.pixels_per_scale == [64 * 64, 0, 0]
    assert out.pixels_processed == 64 * 64
    assert out.full_pyramid_pixels == 64 * 64 + 128 * 128 + 256 * 256
    assert [len(c) for c in out.focus_chips] == [1, 0, 0]
    assert out.pred_instances.bboxes.tolist() == [[10., 10., 200., 200.]]
    assert out.pred_focus_map.prob.shape == (1, 4, 4)


def test_all_positive_map_covers_image(detector_cfg):
    model = _model(detector_cfg)
    calls = []
    _fake(model, lambda job, shape: np.ones(shape),
          lambda job: ([], []), calls)
    out = model.test_step(_data(h=200, w=256))[0]
    whole = (0., 0., 256., 200.)
    assert calls == [(0.25, whole), (0.5, whole), (1.0, whole)]
    # no slower than the pyramid: exactly the pyramid's pixels
    assert out.pixels_processed == out.full_pyramid_pixels
    assert out.focus_chips[2].tolist() == [list(whole)]


def test_chips_recursion_border_prune_and_ranges(detector_cfg):
    model = _model(detector_cfg, valid_ranges=[(-1, -1), (-1, 40),
                                               (-1, -1)])
    calls = []

    def maps(job, shape):
        m = np.zeros(shape)
        if job.factor == 0.25:
            m[3, 3] = 1  # bottom-right cell of the 4x4 coarse map
        elif job.factor == 0.5:
            m[0, 0] = 1  # top-left cell of the chip's map
        return m

    def dets(job):
        if job.factor == 0.5:
            # chip [128, 128, 256, 256]: its left/top edges are inner
            return ([[131, 150, 160, 180],    # 3 px from the inner edge
                     [150, 150, 180, 180],    # inside, size 30: kept
                     [150, 150, 250, 250],    # size 100 > 40: range
                     [200, 200, 255, 255]],   # at the image border: kept*
                    [0.9, 0.8, 0.7, 0.6])
        if job.factor == 1.0:
            # chip [128, 128, 160, 160]: all four edges inner except none
            return ([[130, 130, 140, 140], [140, 140, 150, 150]],
                    [0.5, 0.4])
        return ([], [])

    _fake(model, maps, dets, calls)
    out = model.test_step(_data())[0]
    # coarse cell (3, 3) -> k=2 cells -> cells [2, 4) -> px [32, 64) at
    # f=0.25 -> original [128, 256)
    assert calls[1] == (0.5, (128., 128., 256., 256.))
    # chip map cell (0, 0), k=1 -> px [0, 16) at f=0.5 -> [128, 160)
    assert calls[2] == (1.0, (128., 128., 160., 160.))
    assert out.pixels_per_scale == [64 * 64, 64 * 64, 32 * 32]
    kept = sorted(out.pred_instances.scores.tolist(), reverse=True)
    # * size 55 > 40 is out of range too; scale 2: the first box is 2 px
    # from the chip's inner left edge, the second 10 px away (kept: >= 10)
    assert kept == [pytest.approx(0.8), pytest.approx(0.4)]


def test_real_model_end_to_end(detector_cfg):
    torch.manual_seed(0)
    model = AutoFocusDetector(
        detector=detector_cfg,
        autofocus_cfg=dict(
            scales=[64, 0.5, 1.0],
            valid_ranges=[(30, -1), (10, 60), (-1, 30)],
            focus=[dict(dilation=3, threshold=0.0, min_chip_cells=2),
                   dict(dilation=3, threshold=1.0, min_chip_cells=2)],
            chips_per_batch=4))
    model.init_weights()
    model.eval()
    with torch.no_grad():
        out = model.test_step(_data(h=150, w=190))[0]
    # threshold 0: all positive -> the whole image at 0.5; 1: no chips
    assert [len(c) for c in out.focus_chips] == [1, 1, 0]
    assert out.pixels_per_scale[2] == 0
    assert out.pixels_per_scale[1] == 75 * 95
    assert len(out.pred_instances.bboxes) <= 200


def test_chip_rpn_cfg_only_for_partial_chips(detector_cfg, monkeypatch):
    model = _model(detector_cfg, chip_rpn_cfg=dict(max_per_img=7)).eval()
    seen = []
    real = model.detector.predict

    def spy(inputs, samples, **kw):
        seen.append((samples[0].img_shape,
                     model.detector.rpn_head.test_cfg.max_per_img))
        return real(inputs, samples, **kw)

    monkeypatch.setattr(model.detector, 'predict', spy)
    from mmsniper.models.test_time import ChipJob
    img = np.zeros((64, 64, 3), np.uint8)
    with torch.no_grad():
        model.run_chips([img], [ChipJob(0, (0., 0., 64., 64.), 1.),
                                ChipJob(0, (0., 0., 32., 32.), 1.)])
    assert seen == [((64, 64), 50), ((32, 32), 7)]
    assert model.detector.rpn_head.test_cfg.max_per_img == 50
    # proposals per megapixel, for whole images and chips alike
    model.rpn_budget = dict(per_mpix=1e4, min=5, max=30)
    seen.clear()
    with torch.no_grad():
        model.run_chips([img], [ChipJob(0, (0., 0., 64., 64.), 1.),
                                ChipJob(0, (0., 0., 16., 16.), 1.)])
    # 64*64 px -> 41 -> max 30; 16*16 px -> 2.56 -> min 5
    assert seen == [((64, 64), 30), ((16, 16), 5)]
    assert model.detector.rpn_head.test_cfg.max_per_img == 50


def test_det_budget_scales_with_pixels(detector_cfg, monkeypatch):
    model = _model(detector_cfg,
                   det_budget=dict(per_mpix=5e3, min=3, max=12)).eval()
    default = model.detector.roi_head.test_cfg.max_per_img
    seen = []
    real = model.detector.predict

    def spy(inputs, samples, **kw):
        seen.append((samples[0].img_shape,
                     model.detector.roi_head.test_cfg.max_per_img))
        out = real(inputs, samples, **kw)
        assert len(out[0].pred_instances) <= seen[-1][1]
        return out

    monkeypatch.setattr(model.detector, 'predict', spy)
    from mmsniper.models.test_time import ChipJob
    img = np.random.RandomState(0).randint(0, 255, (64, 64, 3), np.uint8)
    with torch.no_grad():
        model.run_chips([img], [ChipJob(0, (0., 0., 64., 64.), 1.),
                                ChipJob(0, (0., 0., 32., 32.), 1.),
                                ChipJob(0, (0., 0., 8., 8.), 1.)])
    # 4096 px -> 20 -> max 12; 1024 px -> 5; 64 px -> 0 -> min 3
    assert seen == [((64, 64), 12), ((32, 32), 5), ((8, 8), 3)]
    assert model.detector.roi_head.test_cfg.max_per_img == default
    with pytest.raises(ValueError, match='det_budget needs per_mpix'):
        _model(detector_cfg, det_budget=dict(min=3))


def test_small_image_factors_non_decreasing(detector_cfg):
    model = _model(detector_cfg, scales=[512, 0.75, 1.5])
    # 100 px image: long side 512 -> 5.12, 0.75 -> 5.12, 1.5 -> 5.12
    assert model._factors((80, 100)) == [5.12, 5.12, 5.12]
    assert model._factors((1000, 2000)) == [0.256, 0.75, 1.5]


def test_needs_focus_head(repo_root):
    init_default_scope('mmdet')
    with pytest.raises(ValueError, match='FocusPixel head'):
        AutoFocusDetector(
            detector=tiny_focus_detector_cfg(repo_root, focus=False))


def test_default_cfg_is_spec(detector_cfg):
    model = AutoFocusDetector(detector=detector_cfg)
    assert model.scales == [(480, 512), (800, 1280), (1400, 2000)]
    assert [(t['dilation'], t['threshold'], t['min_chip_cells'])
            for t in model.transitions] == [(3, 0.02, 16), (3, 0.2, 20)]
    assert model.border_margin == 10 and model.max_per_img == 200
    with pytest.raises(ValueError, match='transitions'):
        _model(detector_cfg, focus=[dict(dilation=1, threshold=.5,
                                         min_chip_cells=1)])
