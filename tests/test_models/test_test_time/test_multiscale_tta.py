"""SNIPER multi-scale inference wrapper (spec 4): SniperMultiScaleTTA (its
job runner: test_chip_runner.py)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmengine.config import Config, ConfigDict

from mmsniper.models.test_time import (AutoFocusDetector, ChipDets,
                                       SniperMultiScaleTTA)
from mmsniper.models.test_time import chip_runner as tt_runner

pytestmark = pytest.mark.usefixtures('single_thread')


def _model(cfg, **kw):
    tta = dict(scales=[2.0, 1.0, 64], valid_ranges=None)
    tta.update(kw)
    return SniperMultiScaleTTA(module=cfg, tta_cfg=tta).eval()


def test_runs_and_reports_pixels(plain_cfg, data):
    torch.manual_seed(0)
    model = _model(plain_cfg, chips_per_batch=2)
    out = model.test_step(data(120, 200, n=2))
    assert len(out) == 2
    s = out[0]
    assert s.pixels_per_scale == [240 * 400, 120 * 200, 38 * 64]
    assert s.pixels_processed == sum(s.pixels_per_scale)
    assert s.full_pyramid_pixels == s.pixels_processed
    assert s.scale_factors == [2.0, 1.0, 64 / 200]
    b = s.pred_instances.bboxes
    assert 0 < len(b) <= 200 and b.shape[1] == 4
    assert (b[:, 0::2] >= -1e-3).all() and (b[:, 0::2] <= 200 + 1e-3).all()
    assert (b[:, 1::2] >= -1e-3).all() and (b[:, 1::2] <= 120 + 1e-3).all()
    sc = s.pred_instances.scores
    assert (sc[:-1] >= sc[1:]).all()  # sorted


def test_default_cfg_is_spec(plain_cfg):
    model = SniperMultiScaleTTA(module=plain_cfg)
    assert model.scales == [(1400, 2000), (800, 1280), (480, 512)]
    assert list(model.valid_ranges) == [(-1, 90), (32, 180), (75, -1)]
    assert model.nms_cfg == 'default' and model.max_per_img == 200
    assert model.tile == dict(size=2048, overlap=256, border_margin=8.)
    assert model.score_floor == 1e-3
    with pytest.raises(NotImplementedError):
        model.merge_preds([])


def _fake_run_jobs(per_factor, seen=None):
    """run_jobs returning fixed original-px candidates per factor."""

    def run_jobs(sources, jobs, batch_size, with_focus=False):
        out = []
        for job in jobs:
            if seen is not None:
                seen.append(job)
            b, s, lab = per_factor[job.f]
            out.append(ChipDets(
                torch.tensor(b, dtype=torch.float32).reshape(-1, 4),
                torch.tensor(s, dtype=torch.float32),
                torch.tensor(lab, dtype=torch.long), None, 7))
        return out

    return run_jobs


def test_valid_ranges_and_merge(plain_cfg, data, monkeypatch):
    model = _model(plain_cfg, scales=[2.0, 1.0, 0.5],
                   valid_ranges=[(-1, 20), (10, 60), (40, -1)],
                   nms=dict(type='nms', iou_threshold=0.5), max_per_img=3)
    small = [0, 0, 10, 10]  # size 10
    mid = [50, 50, 80, 80]  # 30
    big = [0, 0, 100, 100]  # 100
    per_factor = {
        # fine: keeps only size <= 20
        2.0: ([small, mid, big], [0.9, 0.8, 0.7], [0, 0, 0]),
        # mid: 10 < size <= 60 (small is exactly 10 -> dropped)
        1.0: ([small, [51, 51, 80, 80], big], [0.95, 0.85, 0.6], [0, 0, 1]),
        # coarse: size > 40
        0.5: ([small, [52, 50, 80, 80], big], [0.5, 0.99, 0.65], [0, 0, 1]),
    }
    monkeypatch.setattr(model, 'run_jobs', _fake_run_jobs(per_factor))
    out = model.test_step(data(100, 100))[0]
    got = sorted(zip(out.pred_instances.scores.tolist(),
                     out.pred_instances.labels.tolist()), reverse=True)
    assert got == [(pytest.approx(0.9), 0), (pytest.approx(0.85), 0),
                   (pytest.approx(0.65), 1)]
    assert out.pixels_processed == 21


def test_soft_nms_merge_across_scales(plain_cfg, data, monkeypatch):
    model = _model(plain_cfg, scales=[1.0, 0.5])
    box = [10, 10, 50, 50]
    per_factor = {1.0: ([box], [0.9], [2]), 0.5: ([box], [0.8], [2])}
    monkeypatch.setattr(model, 'run_jobs', _fake_run_jobs(per_factor))
    out = model.test_step(data(100, 100))[0]
    scores = out.pred_instances.scores.tolist()
    # Gaussian soft-NMS (sigma 0.55): the duplicate decays by exp(-1/0.55)
    assert scores[0] == pytest.approx(0.9)
    assert scores[1] == pytest.approx(0.8 * np.exp(-1 / 0.55), rel=1e-4)


def test_loads_plain_detector_checkpoint(plain_cfg):
    det = MODELS.build(plain_cfg)
    model = SniperMultiScaleTTA(module=plain_cfg)
    from mmengine.runner.checkpoint import load_state_dict
    load_state_dict(model, det.state_dict())  # mmengine: plain keys
    for k, v in det.state_dict().items():
        assert torch.equal(model.module.state_dict()[k], v)
    model2 = SniperMultiScaleTTA(module=plain_cfg)
    model2.load_state_dict(model.state_dict())  # torch: module.* keys


def test_test_time_aug_input(plain_cfg, data):
    """mmdet's --tta format (one Resize per scale, host-resized): same
    factors as the plain input, boxes in original px; a pipeline whose
    factors disagree with the scales raises."""
    torch.manual_seed(0)
    model = _model(plain_cfg, scales=[1.0, 0.5])
    d = data(64, 96)
    img, sample = d['inputs'][0], d['data_samples'][0]
    half = torch.nn.functional.interpolate(
        img[None].float(), size=(32, 48), mode='bilinear')[0].byte()
    s1, s2 = sample.clone(), sample.clone()
    s2.set_metainfo(dict(img_shape=(32, 48)))
    out = model.test_step(dict(inputs=[[img], [half]],
                               data_samples=[[s1], [s2]]))[0]
    assert out.pixels_per_scale == [64 * 96, 32 * 48]
    assert out.scale_factors == [1.0, 0.5]
    b = out.pred_instances.bboxes
    assert (b[:, 2] <= 96 + 1e-3).all() and (b[:, 3] <= 64 + 1e-3).all()
    with pytest.raises(ValueError, match='augmentations per image'):
        model.test_step(dict(inputs=[[img]], data_samples=[[s1.clone()]]))
    with pytest.raises(ValueError, match='must agree'):
        model.test_step(dict(inputs=[[half], [img]],
                             data_samples=[[s2.clone()], [s1.clone()]]))


def test_tiny_and_strip_images(plain_cfg, data, monkeypatch):
    """A 1 x 1 image and a 300 x 20000 strip: results, no crash; the strip
    runs as tiles of at most tile.size."""
    torch.manual_seed(0)
    model = _model(plain_cfg, scales=[2.0, 0.5], det_budget=dict(
        per_mpix=1e3, min=20, max=50))
    out = model.test_step(data(1, 1))[0]
    assert out.pixels_per_scale == [4, 1]
    b = out.pred_instances.bboxes
    assert b.shape[1] == 4 and ((b >= 0) & (b <= 1 + 1e-4)).all()

    shapes = []
    real = tt_runner.crop_resize_tensor

    def spy(src, f, origin, shape, *a, **k):
        shapes.append(tuple(shape))
        return real(src, f, origin, shape, *a, **k)

    monkeypatch.setattr(tt_runner, 'crop_resize_tensor', spy)
    strip = _model(plain_cfg, scales=[0.25, 0.125], tile=dict(size=1024,
                                                              overlap=128),
                   det_budget=dict(per_mpix=1e3, min=20, max=50))
    out = strip.test_step(data(300, 20000))[0]
    assert len(shapes) > 2 and max(max(s) for s in shapes) <= 1024
    # 75 x 5000 at 0.25 as 6 tiles, 37 x 2500 at 0.125 as 3
    assert len(shapes) == 6 + 3
    assert out.full_pyramid_pixels == 75 * 5000 + 37 * 2500
    assert out.pixels_per_scale[0] > 75 * 5000  # the overlaps
    b = out.pred_instances.bboxes
    assert len(b) > 0 and (b[:, 2] <= 20000 + 1e-3).all()


def test_wrapper_around_wrapper_raises(plain_cfg, focus_cfg, repo_root):
    inner = dict(type='AutoFocusDetector', module=focus_cfg)
    with pytest.raises(ValueError, match='already a wrapper'):
        SniperMultiScaleTTA(module=inner)
    with pytest.raises(ValueError, match=r'already a wrapper.*without --tta'):
        SniperMultiScaleTTA(
            module=dict(type='mmdet.DetTTAModel', module=plain_cfg))
    built = SniperMultiScaleTTA(module=plain_cfg)
    with pytest.raises(ValueError, match='SniperMultiScaleTTA'):
        AutoFocusDetector(module=built)
    # what mmdet's tools/test.py --tta builds from a *_pyramid-test.py
    # leaf config (its model already is the wrapper)
    cfg = Config.fromfile(osp.join(
        repo_root, 'configs/sniper/'
        'sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_pyramid-test.py'))
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    with pytest.raises(ValueError, match='already a wrapper'):
        MODELS.build(cfg.model)
