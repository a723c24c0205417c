"""AutoFocus test-time detector (spec 5.3 / 5.4): AutoFocusDetector."""
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config, ConfigDict

from mmsniper.models.detectors import focus_head_mixin as ffr
from mmsniper.models.test_time import AutoFocusDetector, ChipDets
from mmsniper.models.test_time import chip_runner as tt_runner

pytestmark = pytest.mark.usefixtures('single_thread')

AF_TEST_CFG = ('configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_'
               'synthetic_autofocus-test.py')


def _model(cfg, **kw):
    af = dict(
        scales=[0.25, 0.5, 1.0],
        valid_ranges=None,
        focus=[dict(dilation=1, threshold=0.5, min_chip_cells=2),
               dict(dilation=1, threshold=0.5, min_chip_cells=1)],
        nms=dict(type='nms', iou_threshold=0.5))
    af.update(kw)
    return AutoFocusDetector(module=cfg, autofocus_cfg=af).eval()


def _fake(model, maps, dets, calls):
    """``maps(job, shape) -> (h, w) array``, ``dets(job) -> (boxes,
    scores)`` in original px."""

    def run_jobs(sources, jobs, batch_size, with_focus=False):
        out = []
        for job in jobs:
            calls.append((job.f, job.chip))
            h, w = job.shape
            shape = (math.ceil(h / 16), math.ceil(w / 16))
            prob = torch.as_tensor(maps(job, shape),
                                   dtype=torch.float32) if with_focus \
                else None
            b, s = dets(job)
            out.append(ChipDets(
                torch.tensor(b, dtype=torch.float32).reshape(-1, 4),
                torch.tensor(s, dtype=torch.float32),
                torch.zeros(len(s), dtype=torch.long), prob, h * w))
        return out

    model.run_jobs = run_jobs


def test_empty_map_gives_coarse_only(focus_cfg, data):
    model = _model(focus_cfg)
    calls = []
    _fake(model, lambda job, shape: np.zeros(shape),
          lambda job: ([[10, 10, 200, 200]], [0.9]), calls)
    out = model.test_step(data(256, 256))[0]
    assert calls == [(0.25, (0., 0., 256., 256.))]
    assert out.pixels_per_scale == [64 * 64, 0, 0]
    assert out.pixels_processed == 64 * 64
    assert out.full_pyramid_pixels == 64 * 64 + 128 * 128 + 256 * 256
    assert [len(c) for c in out.focus_chips] == [1, 0, 0]
    assert out.pred_instances.bboxes.tolist() == [[10., 10., 200., 200.]]
    assert out.pred_focus_map.prob.shape == (1, 4, 4)
    assert out.pred_focus_map.stride == 16
    assert out.scale_factors == [0.25, 0.5, 1.0]


def test_all_positive_map_covers_image(focus_cfg, data):
    model = _model(focus_cfg)
    calls = []
    _fake(model, lambda job, shape: np.ones(shape), lambda job: ([], []),
          calls)
    out = model.test_step(data(200, 256))[0]
    whole = (0., 0., 256., 200.)
    assert calls == [(0.25, whole), (0.5, whole), (1.0, whole)]
    # no slower than the pyramid: exactly the pyramid's pixels
    assert out.pixels_processed == out.full_pyramid_pixels
    assert out.focus_chips[2].tolist() == [list(whole)]
    assert len(out.pred_instances) == 0


def test_chips_recursion_border_prune_and_ranges(focus_cfg, data):
    model = _model(focus_cfg, valid_ranges=[(-1, -1), (-1, 40), (-1, -1)])
    calls = []

    def maps(job, shape):
        m = np.zeros(shape)
        if job.f == 0.25:
            m[3, 3] = 1  # bottom-right cell of the 4x4 coarse map
        elif job.f == 0.5:
            m[0, 0] = 1  # top-left cell of the chip's map
        return m

    def dets(job):
        if job.f == 0.5:
            # chip [128, 128, 256, 256]: its left/top edges are inner
            return ([[131, 150, 160, 180],  # 3 px from the inner edge
                     [150, 150, 180, 180],  # inside, size 30: kept
                     [150, 150, 250, 250],  # size 100 > 40: range
                     [200, 200, 255, 255]],  # at the image border: kept*
                    [0.9, 0.8, 0.7, 0.6])
        if job.f == 1.0:
            # chip [128, 128, 160, 160]: all four edges inner
            return ([[130, 130, 140, 140], [140, 140, 150, 150]],
                    [0.5, 0.4])
        return ([], [])

    _fake(model, maps, dets, calls)
    out = model.test_step(data(256, 256))[0]
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


def test_real_model_end_to_end(focus_cfg, data):
    torch.manual_seed(0)
    model = AutoFocusDetector(
        module=focus_cfg,
        autofocus_cfg=dict(
            scales=[64, 0.5, 1.0],
            valid_ranges=[(30, -1), (10, 60), (-1, 30)],
            focus=[dict(dilation=3, threshold=0.0, min_chip_cells=2),
                   dict(dilation=3, threshold=1.0, min_chip_cells=2)],
            chips_per_batch=4)).eval()
    out = model.test_step(data(150, 190))[0]
    # threshold 0: all positive -> the whole image at 0.5; 1: no chips
    assert [len(c) for c in out.focus_chips] == [1, 1, 0]
    assert out.focus_chips[1].tolist() == [[0., 0., 190., 150.]]
    assert out.pixels_per_scale == [50 * 64, 75 * 95, 0]
    assert 0 < len(out.pred_instances.bboxes) <= 200
    prob = out.pred_focus_map.prob
    assert prob.shape == (1, 4, 4) and out.pred_focus_map.scale_factor == (
        64 / 190)


def test_small_image_factors_non_decreasing(focus_cfg):
    model = _model(focus_cfg, scales=[512, 0.75, 1.5])
    # 100 px image: long side 512 -> 5.12, 0.75 -> 5.12, 1.5 -> 5.12
    assert model._factors((80, 100)) == [5.12, 5.12, 5.12]
    assert model._factors((1000, 2000)) == [0.256, 0.75, 1.5]


def test_needs_focus_head(plain_cfg):
    with pytest.raises(ValueError, match='FocusPixel head'):
        AutoFocusDetector(module=plain_cfg)


def test_default_cfg_is_spec(focus_cfg):
    model = AutoFocusDetector(module=focus_cfg)
    assert model.scales == [(480, 512), (800, 1280), (1400, 2000)]
    assert model.valid_ranges == [(75, -1), (32, 180), (-1, 75)]
    assert [(t['dilation'], t['threshold'], t['min_chip_cells'])
            for t in model.transitions] == [(3, 0.02, 16), (3, 0.2, 20)]
    assert model.border_margin == 10 and model.max_per_img == 200
    assert model.stride == 16


def test_missing_focus_weights_raise(focus_cfg, tmp_path):
    torch.manual_seed(0)
    trained = MODELS.build(focus_cfg).state_dict()
    without = {k: v for k, v in trained.items()
               if not k.startswith('focus_head.')}
    assert len(without) < len(trained)
    model = AutoFocusDetector(module=focus_cfg)
    # torch: the wrapper's own keys (module.*), even with strict=False
    with pytest.raises(RuntimeError, match='no FocusPixel head weights'):
        model.load_state_dict({f'module.{k}': v
                               for k, v in without.items()}, strict=False)
    # mmengine (init_detector, the runner): a detector checkpoint file
    from mmengine.runner import load_checkpoint
    torch.save(dict(state_dict=without), tmp_path / 'sniper.pth')
    with pytest.raises(RuntimeError, match='random head'):
        load_checkpoint(model, str(tmp_path / 'sniper.pth'))
    # with the head's weights it loads, both ways
    torch.save(dict(state_dict=trained), tmp_path / 'autofocus.pth')
    load_checkpoint(model, str(tmp_path / 'autofocus.pth'))
    for k, v in trained.items():
        assert torch.equal(model.module.state_dict()[k], v), k
    model.load_state_dict({f'module.{k}': v for k, v in trained.items()})


def test_tiny_and_strip_images(focus_cfg, data, monkeypatch):
    """A 1 x 1 image and a 300 x 20000 strip: results, no crash; the strip
    runs as tiles of at most tile.size at every scale."""
    torch.manual_seed(0)
    focus = dict(dilation=1, threshold=0.0, min_chip_cells=2)
    budget = dict(per_mpix=1e3, min=20, max=50)
    model = _model(focus_cfg, scales=[64, 2.0], focus=focus,
                   det_budget=budget)
    out = model.test_step(data(1, 1))[0]
    assert out.scale_factors == [64., 64.]  # clamped: never coarser
    assert [len(c) for c in out.focus_chips] == [1, 1]
    assert out.pixels_per_scale == [64 * 64, 64 * 64]
    b = out.pred_instances.bboxes
    assert b.shape[1] == 4 and ((b >= 0) & (b <= 1 + 1e-4)).all()

    shapes = []
    real = tt_runner.crop_resize_tensor

    def spy(src, f, origin, shape, *a, **k):
        shapes.append((f, tuple(shape)))
        return real(src, f, origin, shape, *a, **k)

    monkeypatch.setattr(tt_runner, 'crop_resize_tensor', spy)
    strip = _model(focus_cfg, scales=[0.125, 0.25], focus=focus,
                   det_budget=budget,
                   tile=dict(size=1024, overlap=128, border_margin=8))
    out = strip.test_step(data(300, 20000))[0]
    coarse = [s for f, s in shapes if f == 0.125]
    fine = [s for f, s in shapes if f == 0.25]
    assert len(coarse) == 3  # 37 x 2500 as 3 tiles
    # one all-positive chip per coarse tile; the three overlap and are
    # fused into the whole strip, 5000 x 75 at 0.25: 6 tiles
    assert len(fine) == 6
    fused_px = sum(h * w for h, w in fine)
    assert max(max(s) for _, s in shapes) <= 1024
    assert 'pred_focus_map' not in out  # the coarse pass was tiled
    assert out.focus_chips[1].tolist() == [[0, 0, 20000, 300]]
    shapes.clear()
    unfused = _model(focus_cfg, scales=[0.125, 0.25], focus=focus,
                     det_budget=budget, fuse_chips=False,
                     tile=dict(size=1024, overlap=128, border_margin=8))
    out = unfused.test_step(data(300, 20000))[0]
    # the original's behaviour: one chip per coarse tile, overlapping, so
    # the fine scale processes more pixels
    assert len(out.focus_chips[1]) == 3
    assert sum(h * w for f, (h, w) in shapes if f == 0.25) > fused_px
    b = out.pred_instances.bboxes
    assert (b[:, 2] <= 20000 + 1e-3).all() and (b[:, 3] <= 300 + 1e-3).all()


def test_wrapper_around_wrapper_raises(focus_cfg, repo_root):
    with pytest.raises(ValueError, match='already a wrapper'):
        AutoFocusDetector(
            module=dict(type='SniperMultiScaleTTA', module=focus_cfg))
    with pytest.raises(ValueError, match='AutoFocusDetector'):
        AutoFocusDetector(module=AutoFocusDetector(module=focus_cfg))
    # mmdet's tools/test.py --tta on the *_autofocus-test.py leaf config
    cfg = Config.fromfile(osp.join(repo_root, AF_TEST_CFG))
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    with pytest.raises(ValueError, match=r'already a wrapper.*--tta'):
        MODELS.build(cfg.model)


def test_wrapper_never_notes_single_scale(focus_cfg, data, monkeypatch):
    """AutoFocusDetector runs its detector through raw_detections, never
    FocusFasterRCNN.predict: no single-scale warning (the warning itself:
    test_focus_two_stage.py)."""
    logged = []
    monkeypatch.setattr(ffr, '_state', dict(noted=False, wrapped=0))
    monkeypatch.setattr(
        ffr, 'print_log',
        lambda msg, logger=None, level=None: logged.append((msg, level)))
    torch.manual_seed(0)
    model = _model(focus_cfg, scales=[0.5, 1.0],
                   focus=dict(dilation=1, threshold=0.0, min_chip_cells=2))
    out = model.test_step(data(64, 96))[0]
    assert out.scale_factors == [0.5, 1.0]
    assert logged == []
