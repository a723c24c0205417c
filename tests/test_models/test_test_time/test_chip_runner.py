"""The jobs of the test-time wrappers and their runner (chip_runner.py):
windows (tiles), the cut / resize / map-back of run_jobs, budgets per
input, ChipDets."""
import pytest
import torch
from mmdet.structures.bbox import HorizontalBoxes

from mmsniper.models.test_time import Budget, ChipDets
from mmsniper.models.test_time import chip_runner as tt_runner
from mmsniper.models.test_time.chip_runner import (ChipRunnerMixin, Job,
                                                   as_tensor_boxes)
from mmsniper.models.test_time.tiles import build_tile_cfg


class _Host(ChipRunnerMixin):
    """What a wrapper provides the runner (as ChipTestMixin._init_runner
    sets it)."""

    def __init__(self, module, tile=None, rpn_budget=None,
                 det_budget=None) -> None:
        self.module = module
        self.tile = build_tile_cfg(tile or {}, 'tile')
        self.rpn_budget = Budget.build(rpn_budget, 'rpn_budget')
        self.det_budget = Budget.build(det_budget, 'det_budget')
        self.score_floor = 1e-3


def _spy_raw(monkeypatch, box=(10., 20., 30., 40.)):
    """Replace raw_detections in the job runner: one fixed box (input px)
    per input; records shapes and budgets."""
    seen = []

    def fake(det, inputs, samples, rpn_max=None, det_max=None,
             score_floor=1e-3, with_focus=False):
        seen.append(dict(shapes=[s.img_shape for s in samples],
                         batch=tuple(inputs.shape), rpn_max=rpn_max,
                         det_max=det_max))
        dets = [(torch.tensor([box]), torch.tensor([0.5]),
                 torch.tensor([1])) for _ in samples]
        return dets, None

    monkeypatch.setattr(tt_runner, 'raw_detections', fake)
    return seen


def test_one_window_without_tiling(blob_detector):
    jobs = _Host(blob_detector).windows(1, 2, 0.5, (10., 20., 110., 60.),
                                        (20, 50), (2., 2.), 3., 7)
    assert jobs == [Job(1, 2, 0.5, (5., 10.), (20, 50), (2., 2.),
                        (10., 20., 110., 60.), 3., 7)]


def test_tiled_windows(blob_detector):
    # 100 px wide, tiles of at most 64 overlapping by 16: two of 58 px
    # at x 0 and 42; the inner edges are pruned by max(3, 8 / 1)
    host = _Host(blob_detector, tile=dict(size=64, overlap=16,
                                          border_margin=8))
    jobs = host.windows(0, 0, 1.0, (0., 0., 100., 50.), (50, 100), (1., 1.),
                        3., 0)
    assert [(j.origin, j.shape, j.chip, j.prune) for j in jobs] == [
        ((0., 0.), (50, 58), (0., 0., 58., 50.), 8.),
        ((42., 0.), (50, 58), (42., 0., 100., 50.), 8.)]
    jobs = host.windows(0, 0, 1.0, (0., 0., 100., 50.), (50, 100), (1., 1.),
                        10., 0)
    assert [j.prune for j in jobs] == [10., 10.]


def test_tile_chips_keep_image_borders(blob_detector):
    """A tile reaching the image border keeps it as a border (not pruned
    there), also when the whole-image window is floor(side * f) wide."""
    model = _Host(blob_detector, tile=dict(size=64, overlap=16,
                                           border_margin=8))
    jobs = model.windows(0, 0, 0.1, (0., 0., 1005., 300.), (30, 100),
                         (1., 1.), 0., 0)
    assert len(jobs) == 2
    assert jobs[0].chip[0] == 0 and jobs[-1].chip[2] == 1005.
    assert jobs[0].chip[2] == pytest.approx(580.)
    assert jobs[-1].chip[0] == pytest.approx(420.)
    assert all(j.prune == pytest.approx(80.) for j in jobs)  # 8 / 0.1


def test_run_jobs_maps_to_original(blob_detector, monkeypatch):
    model = _Host(blob_detector)
    seen = _spy_raw(monkeypatch)
    img = torch.zeros((3, 100, 200), dtype=torch.uint8)
    jobs = (model.windows(0, 0, 0.5, (0., 0., 200., 100.), (50, 100),
                          (1., 1.), 0., 0) +
            model.windows(0, 0, 2.0, (40., 10., 120., 60.), (100, 160),
                          (1., 1.), 0., 1))
    res = model.run_jobs([img], jobs, batch_size=1)
    # the biggest input runs first
    assert [s['shapes'] for s in seen] == [[(100, 160)], [(50, 100)]]
    assert seen[0]['batch'] == (1, 3, 128, 160)  # padded to 32
    # input px -> + window origin -> / factor
    assert res[0].bboxes.tolist() == [[20., 40., 60., 80.]]
    assert res[1].bboxes.tolist() == [[45., 20., 55., 30.]]
    assert res[1].pixels == 100 * 160 and res[0].pixels == 50 * 100


def test_budgets_per_input_pixels(blob_detector, monkeypatch):
    model = _Host(blob_detector,
                  rpn_budget=dict(per_mpix=1e4, min=5, max=30),
                  det_budget=dict(per_mpix=5e3, min=3, max=12))
    seen = _spy_raw(monkeypatch)
    img = torch.zeros((3, 64, 64), dtype=torch.uint8)
    jobs = []
    for side in (64, 32, 8):
        jobs += model.windows(0, 0, 1.0, (0., 0., side, side), (side, side),
                              (1., 1.), 0., 0)
    model.run_jobs([img], jobs, batch_size=1)
    # 4096 px: 41 -> 30 proposals, 20 -> 12 candidates; 1024 px: 10, 5;
    # 64 px: 1 -> 5, 0 -> 3
    assert [(s['rpn_max'], s['det_max']) for s in seen] == [(30, 12),
                                                             (10, 5), (5, 3)]
    plain = _Host(blob_detector)
    seen.clear()
    plain.run_jobs([img], jobs[:1], batch_size=1)
    assert seen[0]['rpn_max'] is None and seen[0]['det_max'] is None


def test_run_jobs_through_a_detector(blob_detector):
    """A bright rectangle [20, 10, 40, 30] (value 200): found at half size
    and mapped back; a window that reaches past its region is clamped to
    it; batches of two inputs."""
    img = torch.zeros((3, 64, 96), dtype=torch.uint8)
    img[:, 10:30, 20:40] = 200
    host = _Host(blob_detector)
    jobs = (host.windows(0, 0, 0.5, (0., 0., 96., 64.), (32, 48), (1., 1.),
                         0., 0) +
            host.windows(0, 0, 1.0, (0., 0., 25.5, 25.5), (26, 26), (1., 1.),
                         0., 1))
    res = host.run_jobs([img], jobs, batch_size=2)
    assert blob_detector.calls == [(32, 48), (26, 26)]  # one call of two
    score = 0.5 + 0.4 * (200 - 128) / 127
    assert res[0].bboxes.tolist() == [[20., 10., 40., 30.]]
    assert res[0].scores.tolist() == [pytest.approx(score)]
    assert res[0].labels.tolist() == [0] and res[0].pixels == 32 * 48
    assert res[1].bboxes.tolist() == [[20., 10., 25.5, 25.5]]
    assert res[0].focus_prob is None and res[0].masks is None


def test_chip_dets_select():
    dets = ChipDets(torch.tensor([[0., 0., 1., 1.], [0., 0., 2., 2.]]),
                    torch.tensor([0.9, 0.1]), torch.tensor([3, 4]), None, 4)
    parts = dets.select()
    assert len(parts) == 3 and parts[0] is dets.bboxes
    keep = torch.tensor([False, True])
    b, s, lab = dets.select(keep)
    assert b.tolist() == [[0., 0., 2., 2.]] and lab.tolist() == [4]
    masked = dets._replace(masks=torch.arange(2.)[:, None, None])
    parts = masked.select(keep)
    assert len(parts) == 4 and parts[3].tolist() == [[[1.]]]


def test_as_tensor_boxes():
    t = torch.tensor([[1., 2., 3., 4.]])
    assert as_tensor_boxes(t) is t
    assert torch.equal(as_tensor_boxes(HorizontalBoxes(t)), t)


def test_huge_cpu_scene_bounds_the_host_heap(blob_detector, monkeypatch):
    # a scene of >= HUGE_SCENE_PIXELS on the CPU fixes glibc's mmap
    # threshold before its tiles run (the heap does not fragment over
    # them); smaller scenes leave the allocator alone
    _spy_raw(monkeypatch)
    calls = []
    monkeypatch.setattr(tt_runner.host_memory, 'bound_host_heap',
                        lambda: calls.append(1) or True)
    monkeypatch.setattr(tt_runner.host_memory, 'HUGE_SCENE_PIXELS', 64 * 64)
    model = _Host(blob_detector)
    jobs = model.windows(0, 0, 1.0, (0., 0., 32., 32.), (32, 32), (1., 1.),
                         0., 0)
    model.run_jobs([torch.zeros((3, 63, 64), dtype=torch.uint8)], jobs, 1)
    assert calls == []
    model.run_jobs([torch.zeros((3, 64, 64), dtype=torch.uint8)], jobs, 1)
    assert calls == [1]
