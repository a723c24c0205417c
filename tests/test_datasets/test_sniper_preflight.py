"""The pre-flight verdicts applied by SniperDataset
(:class:`~mmsniper.datasets.sniper_preflight.PreflightRepairMixin`): the
mixin's steps on hand-made reports, then on a tiny copy: bad images get
no chip, bad boxes go and partly outside ones are clipped, the same for
the chips and the pipeline, per leaf of a ConcatDataset."""
import math
import os
from types import SimpleNamespace

import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.datasets import SniperDataset
from mmsniper.datasets.preflight import PreflightError
from mmsniper.datasets.sniper_preflight import PreflightRepairMixin
from mmsniper.testing import TinyCopy
from mmsniper.testing.sniper_toy import SYN_CHIP_CFG

init_default_scope('mmdet')


@pytest.fixture
def tiny(tiny_synthetic_root, tmp_path):
    return TinyCopy(tiny_synthetic_root, str(tmp_path / 'tiny'))


class _Wrapper(PreflightRepairMixin):
    """The mixin over one fake leaf with a hand-made report."""

    def __init__(self, report=None, preflight=True):
        self._init_preflight(preflight)
        self._init_repairs()
        self.dataset = SimpleNamespace(pipeline=[])  # a leaf
        self._reports = {} if report is None else {
            id(self.dataset): report}


def _info(img_id, *bboxes):
    return dict(img_id=img_id, width=10, height=8,
                instances=[dict(bbox=list(b), bbox_label=k)
                           for k, b in enumerate(bboxes)])


# ----------------------------------------------------------------- mixin
def test_init_preflight_options():
    for off in (None, False):
        assert _Wrapper(preflight=off).preflight is None
    assert _Wrapper(preflight=True).preflight == {}
    opts = dict(box='drop')
    w = _Wrapper(preflight=opts)
    assert w.preflight == opts and w.preflight is not opts
    with pytest.raises(KeyError, match='unknown keys'):
        _Wrapper(preflight=dict(bogus=1))
    with pytest.raises(ValueError, match='must be in'):
        _Wrapper(preflight=dict(box='ignore'))


def test_no_check_no_report():
    w = _Wrapper(preflight=None)
    assert w._run_preflight() == [] and w.preflight_report is None
    info = _info(1, [0, 0, 5, 5])
    assert w._plan_repairs(0, info) == (info, False)
    assert w._repairs == {} and w._dropped_imgs == set()


def test_plan_repairs_maps_the_verdicts_of_the_image():
    rep = SimpleNamespace(bad_images={'bad': ['missing_image']},
                          repairs={'fix': (3, {1}, {0}),
                                   'drop': (2, {0}, set())})
    w = _Wrapper(rep)
    clean = _info('ok', [0, 0, 5, 5])
    assert w._plan_repairs(0, clean) == (clean, False)
    bad = _info('bad')
    assert w._plan_repairs(1, bad) == (bad, True)
    assert w._dropped_imgs == {1}
    # box 1 dropped, box 0 clipped to the 10 x 8 image
    out, dropped = w._plan_repairs(
        2, _info('fix', [-2, 1, 4, 9], [0, 0, math.inf, 3], [1, 1, 2, 2]))
    assert not dropped
    assert [x['bbox'] for x in out['instances']] == [[0, 1, 4, 8],
                                                     [1, 1, 2, 2]]
    assert [x['bbox_label'] for x in out['instances']] == [0, 2]
    assert w._repairs[2] == ([0, 2], (10.0, 8.0))
    # nothing to clip: no clip size
    out, _ = w._plan_repairs(3, _info('drop', [1, 1, 3, 3], [-1, 0, 4, 4]))
    assert w._repairs[3] == ([1], None)
    assert [x['bbox'] for x in out['instances']] == [[-1, 0, 4, 4]]


def test_plan_repairs_of_another_box_count_drops_by_value():
    """A dataset that loads other boxes than the check counted: the
    non-finite ones go and all are clipped."""
    w = _Wrapper(SimpleNamespace(bad_images={}, repairs={5: (4, {3}, set())}))
    out, _ = w._plan_repairs(
        0, _info(5, [0, 0, math.nan, 2], [3, -1, 12, 4], [1, 1, 2, 2]))
    assert w._repairs[0] == ([1, 2], (10.0, 8.0))
    assert [x['bbox'] for x in out['instances']] == [[3, 0, 10, 4],
                                                     [1, 1, 2, 2]]


def test_repair_instances_copies():
    w = _Wrapper()
    w._repairs = {4: ([1], (10.0, 8.0))}
    info = _info(1, [0, 0, 1, 1], [5, 5, 20, 20])
    out = w._repair_instances(4, info)
    assert out['instances'] == [dict(bbox=[5, 5, 10, 8], bbox_label=1)]
    assert info['instances'][1]['bbox'] == [5, 5, 20, 20]  # not mutated
    assert w._repair_instances(3, info) is info  # a clean image


# ------------------------------------------------- through SniperDataset
def test_size_mismatch_with_warn_drops_the_image(tiny):
    tiny.img(2)['height'] += 50
    ds = tiny.sniper(preflight=dict(size='warn'))
    rep = ds.preflight_report
    assert rep.counts == {'size_mismatch': 1}
    assert rep.bad_images == {tiny.img(2)['id']: ['size_mismatch']}
    assert ds._dropped_imgs == {2}
    assert ds.stats['images_with_chips'] == 7
    assert 2 not in {ds.get_chip_info(i)['img_idx'] for i in range(len(ds))}


def test_nan_and_inf_boxes_removed_for_chips_and_pipeline(tiny):
    """mmdet drops [nan, ...] silently but keeps [x, y, inf, h]; both go,
    placed before the image's other boxes so that every later index
    shifts, and a partly outside box is clipped the same way in both."""
    n = len(tiny.anns(0))
    w, h = tiny.img(0)['width'], tiny.img(0)['height']
    tiny.add_box([-10, 40, 50, 30], first=True)  # partly outside
    tiny.add_box([float('nan'), 10, 20, 20], first=True)
    tiny.add_box([10, 10, float('inf'), 20], first=True)
    ds = tiny.sniper()
    rep = ds.preflight_report
    assert rep.counts == {'nonfinite_box': 2, 'partly_outside_box': 1}
    leaf = ds.dataset.get_data_info(0)['instances']
    assert len(leaf) == n + 2  # mmdet kept the inf one and the partial one
    boxes = ds._anns.boxes[0]
    assert len(boxes) == n + 1 and np.isfinite(boxes).all()
    np.testing.assert_allclose(boxes[0], [0, 40, 40, 70])  # clipped
    assert (boxes[:, 0::2] <= w).all() and (boxes[:, 1::2] <= h).all()
    checked = 0
    for idx in range(len(ds)):
        chip = ds.get_chip_info(idx)
        if chip['img_idx'] != 0:
            continue
        info = ds.get_data_info(idx)
        got = np.array([x['bbox'] for x in info['instances']], np.float32)
        np.testing.assert_array_equal(got, boxes)  # pipeline == chips
        out = ds[idx]
        gt = out['data_samples'].gt_instances.bboxes.tensor.numpy()
        valid = chip['chip_valid_inds']
        assert len(gt) == len(valid) and np.isfinite(gt).all()
        # the packed valid boxes are the chip engine's boxes[valid]
        ox, oy = chip['chip_scaled'][:2]
        exp = boxes[valid] * chip['chip_factor'] - [ox, oy, ox, oy]
        np.testing.assert_allclose(np.sort(gt, 0), np.sort(exp, 0),
                                   atol=0.05)
        checked += len(valid)
    assert checked > 0


def test_preflight_off(tiny):
    assert tiny.sniper(preflight=False).preflight_report is None
    tiny.add_box([10, 10, float('inf'), 20])
    with pytest.raises(ValueError, match='NaN or inf'):  # as before
        tiny.sniper(preflight=None)
    assert tiny.sniper().preflight_report.counts == {'nonfinite_box': 1}


def test_lazy_sniper_dataset_raises_in_full_init_before_loading(tiny):
    os.remove(tiny.path(2))
    ds = tiny.sniper(lazy_init=True)
    assert not ds.dataset._fully_initialized
    with pytest.raises(PreflightError, match='missing_image'):
        ds.full_init()
    assert not ds.dataset._fully_initialized  # mmdet loaded nothing yet


def test_concat_dataset_maps_verdicts_per_leaf(tiny_synthetic_root,
                                               tmp_path):
    """Both copies have image ids 1..8: the inf box of the second copy's
    image 1 must be removed there only."""
    a = TinyCopy(tiny_synthetic_root, str(tmp_path / 'a'))
    b = TinyCopy(tiny_synthetic_root, str(tmp_path / 'b'))
    b.add_box([10, 10, float('inf'), 20], first=True)
    ds = SniperDataset(
        dict(type='ConcatDataset',
             datasets=[a.dataset_cfg(), b.dataset_cfg()]),
        chip_cfg=SYN_CHIP_CFG)
    ra, rb = ds.preflight_report
    assert ra.counts == {} and rb.counts == {'nonfinite_box': 1}
    n = len(a.anns(0))
    assert len(ds._anns.boxes[0]) == n and len(ds._anns.boxes[8]) == n
    assert set(ds._repairs) == {8}
    assert np.isfinite(ds._anns.boxes[8]).all()

