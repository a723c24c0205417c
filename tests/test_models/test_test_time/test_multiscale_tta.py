"""SNIPER multi-scale inference wrapper (spec 4)."""
import numpy as np
import pytest
import torch
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.models.test_time import ChipResult, SniperMultiScaleTTA
from mmsniper.models.test_time.base import chip_out_size, crop_resize
from mmsniper.testing import tiny_focus_detector_cfg


pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.fixture(scope='module')
def detector_cfg(repo_root):
    init_default_scope('mmdet')
    return tiny_focus_detector_cfg(repo_root, focus=False)


def _data(h=120, w=200, n=1, seed=0):
    rng = np.random.default_rng(seed)
    inputs = [torch.from_numpy(rng.integers(0, 255, (3, h, w), np.uint8))
              for _ in range(n)]
    samples = [DetDataSample(metainfo=dict(ori_shape=(h, w), img_shape=(h, w),
                                           img_id=i)) for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def test_crop_resize_geometry():
    # a horizontal ramp: value = x (original px)
    img = np.tile(np.arange(200, dtype=np.uint8)[None, :, None], (50, 1, 3))
    out = crop_resize(img, (40., 10., 120., 30.), 1.0, (20, 80))
    assert out.shape == (20, 80, 3) and out[0, 0, 0] == 40
    out = crop_resize(img, (40., 10., 120., 30.), 2.0, (40, 160))
    # output pixel u samples x = 40 + (u + .5) / 2 - .5
    assert abs(int(out[0, 10, 0]) - (40 + 10.5 / 2 - .5)) <= 1
    assert chip_out_size((0, 0, 200, 50), 0.333, (50, 200)) == (16, 66)
    assert chip_out_size((10, 10, 20.4, 30), 2., (50, 200)) == (40, 21)


def test_runs_and_reports_pixels(detector_cfg):
    model = SniperMultiScaleTTA(
        detector=detector_cfg,
        tta_cfg=dict(scales=[2.0, 1.0, 64], valid_ranges=None,
                     chips_per_batch=2))
    model.eval()
    with torch.no_grad():
        out = model.test_step(_data(n=2))
    assert len(out) == 2
    s = out[0]
    assert s.pixels_per_scale == [240 * 400, 120 * 200, 38 * 64]
    assert s.pixels_processed == sum(s.pixels_per_scale)
    assert s.full_pyramid_pixels == s.pixels_processed
    b = s.pred_instances.bboxes
    assert len(b) <= 200 and b.shape[1] == 4
    assert (b[:, 0] >= -1e-3).all() and (b[:, 2] <= 200 + 1e-3).all()


def test_default_cfg_is_spec(detector_cfg):
    model = SniperMultiScaleTTA(module=detector_cfg)
    assert model.scales == [(1400, 2000), (800, 1280), (480, 512)]
    assert list(model.valid_ranges) == [(-1, 90), (32, 180), (75, -1)]
    assert model.nms_cfg['type'] == 'soft_nms' and model.max_per_img == 200
    with pytest.raises(ValueError, match='valid ranges'):
        SniperMultiScaleTTA(detector=detector_cfg,
                            tta_cfg=dict(scales=[1.0, 2.0],
                                         valid_ranges=[(-1, 5)]))
    with pytest.raises(ValueError, match='exactly one'):
        SniperMultiScaleTTA()
    per_scale = SniperMultiScaleTTA(
        detector=detector_cfg, tta_cfg=dict(chips_per_batch=(2, 2, 4)))
    assert [per_scale.batch_size(s) for s in range(4)] == [2, 2, 4, 4]
    with pytest.raises(ValueError, match='chips_per_batch'):
        SniperMultiScaleTTA(detector=detector_cfg,
                            tta_cfg=dict(chips_per_batch=0))
    with pytest.raises(NotImplementedError):
        model.loss(None, None)


def _fake_run_chips(per_factor):
    """run_chips returning fixed original-px detections per factor."""

    def run_chips(images, jobs, with_focus=False, batch_size=None):
        out = []
        for job in jobs:
            b, s, lab = per_factor[job.factor]
            out.append(ChipResult(
                torch.tensor(b, dtype=torch.float32).reshape(-1, 4),
                torch.tensor(s, dtype=torch.float32),
                torch.tensor(lab, dtype=torch.long), None, 7))
        return out

    return run_chips


def test_valid_ranges_and_merge(detector_cfg, monkeypatch):
    model = SniperMultiScaleTTA(
        detector=detector_cfg,
        tta_cfg=dict(
            scales=[2.0, 1.0, 0.5],
            valid_ranges=[(-1, 20), (10, 60), (40, -1)],
            nms=dict(type='nms', iou_threshold=0.5),
            max_per_img=3))
    small = [0, 0, 10, 10]   # size 10
    mid = [50, 50, 80, 80]   # 30
    big = [0, 0, 100, 100]   # 100
    per_factor = {
        # fine: keeps only size <= 20
        2.0: ([small, mid, big], [0.9, 0.8, 0.7], [0, 0, 0]),
        # mid: 10 < size <= 60 (small is exactly 10 -> dropped)
        1.0: ([small, [51, 51, 80, 80], big], [0.95, 0.85, 0.6], [0, 0, 1]),
        # coarse: size > 40
        0.5: ([small, [52, 50, 80, 80], big], [0.5, 0.99, 0.65], [0, 0, 1]),
    }
    monkeypatch.setattr(model, 'run_chips', _fake_run_chips(per_factor))
    out = model.test_step(_data(h=100, w=100))[0]
    got = sorted(zip(out.pred_instances.scores.tolist(),
                     out.pred_instances.labels.tolist()), reverse=True)
    # fine: small 0.9; mid: mid' 0.85; coarse: big 0.65 (label 1).
    # Per-class NMS: the mid boxes of other scales were filtered, so the
    # merge keeps 0.9 (small), 0.85 (mid) and 0.65 (big) -> max 3
    assert got == [(pytest.approx(0.9), 0), (pytest.approx(0.85), 0),
                   (pytest.approx(0.65), 1)]
    assert out.pixels_processed == 21


def test_soft_nms_merge_across_scales(detector_cfg, monkeypatch):
    model = SniperMultiScaleTTA(
        detector=detector_cfg,
        tta_cfg=dict(scales=[1.0, 0.5], valid_ranges=None))
    box = [10, 10, 50, 50]
    per_factor = {1.0: ([box], [0.9], [2]), 0.5: ([box], [0.8], [2])}
    monkeypatch.setattr(model, 'run_chips', _fake_run_chips(per_factor))
    out = model.test_step(_data(h=100, w=100))[0]
    scores = out.pred_instances.scores.tolist()
    # Gaussian soft-NMS (sigma 0.55): the duplicate decays by exp(-1/0.55)
    assert scores[0] == pytest.approx(0.9)
    assert scores[1] == pytest.approx(0.8 * np.exp(-1 / 0.55), rel=1e-4)


def test_run_chips_maps_to_original(detector_cfg, monkeypatch):
    model = SniperMultiScaleTTA(detector=detector_cfg)
    seen = []

    def fake_predict(inputs, samples, with_focus, partial_chips=False,
                     pixels=0):
        from mmengine.structures import InstanceData
        for x, s in zip(inputs, samples):
            seen.append((tuple(x.shape), s.img_shape))
            s.pred_instances = InstanceData(
                bboxes=torch.tensor([[10., 20., 30., 40.]]),
                scores=torch.tensor([0.5]), labels=torch.tensor([1]))
        return samples

    monkeypatch.setattr(model, '_detector_predict', fake_predict)
    from mmsniper.models.test_time import ChipJob
    img = np.zeros((100, 200, 3), np.uint8)
    res = model.run_chips([img], [ChipJob(0, (40., 10., 120., 60.), 2.0),
                                  ChipJob(0, (0., 0., 200., 100.), 0.5)])
    assert seen[0] == ((3, 100, 160), (100, 160))  # big chip first
    assert seen[1] == ((3, 50, 100), (50, 100))
    assert res[0].bboxes.tolist() == [[45., 20., 55., 30.]]
    assert res[1].bboxes.tolist() == [[20., 40., 60., 80.]]
    assert res[0].pixels == 100 * 160


def test_loads_plain_detector_checkpoint(detector_cfg):
    det = MODELS.build(detector_cfg)
    model = SniperMultiScaleTTA(detector=detector_cfg)
    model.load_state_dict(det.state_dict())
    for k, v in det.state_dict().items():
        assert torch.equal(model.detector.state_dict()[k], v)
    # a wrapper checkpoint loads as well
    model2 = SniperMultiScaleTTA(detector=detector_cfg)
    model2.load_state_dict(model.state_dict())
