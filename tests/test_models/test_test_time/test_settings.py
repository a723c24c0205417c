"""Settings of the test-time wrappers: budgets, the final cap, unknown
keys, scale order, valid ranges (hand-made values, no detector runs)."""
import pytest
import torch
import torch.nn as nn

from mmsniper.models.test_time import (AutoFocusDetector, Budget,
                                       SniperMultiScaleTTA)
from mmsniper.models.test_time.base import ChipTestMixin
from mmsniper.models.test_time.budgets import final_cap
from mmsniper.chips.valid_ranges import check_valid_ranges
from mmsniper.models.test_time.cfg_check import check_scale_order


class _Stub(nn.Module):
    """Never run: only for the constructor checks."""

    def __init__(self):
        super().__init__()
        self.focus_head = nn.Module()
        self.focus_head.stride = 16

    def test_step(self, data):
        raise AssertionError('not run')


def test_budget_values():
    b = Budget(per_mpix=1e4, min=5, max=30)
    assert b(64 * 64) == 30  # 41 -> max
    assert b(16 * 16) == 5  # 2.56 -> min
    assert b(2000) == 20
    assert Budget(per_mpix=300)(1e6) == 300
    assert Budget(per_mpix=300)(1) == 1  # min defaults to 1
    assert Budget.build(None, 'x') is None
    assert Budget.build(b, 'x') is b
    assert Budget.build(dict(per_mpix=5e3, min=3, max=12), 'x')(1024) == 5
    with pytest.raises(ValueError, match='det_budget needs per_mpix'):
        Budget.build(dict(min=3), 'tta_cfg.det_budget')
    with pytest.raises(KeyError, match="did you mean 'per_mpix'"):
        Budget.build(dict(per_mpx=3), 'tta_cfg.rpn_budget')
    with pytest.raises(TypeError, match='rpn_budget must be dict'):
        Budget.build(300, 'tta_cfg.rpn_budget')
    with pytest.raises(ValueError, match='per_mpix > 0'):
        Budget(per_mpix=0)
    with pytest.raises(ValueError, match='min <= max'):
        Budget(per_mpix=1, min=10, max=5)


def test_final_cap_grows_with_mpix():
    assert final_cap(200, 100, 1e6) == 200  # 100 < 200
    assert final_cap(200, 100, 5e6) == 500
    assert final_cap(200, 100, 2e8) == 20000  # a 200 Mpix scene
    assert final_cap(200, None, 2e8) == 200
    assert final_cap(0, 100, 2e8) == 0  # <= 0: keep all
    assert final_cap(-1, 100, 2e8) == -1


def test_merge_applies_the_cap():

    class Runner(ChipTestMixin):
        pass

    r = Runner()
    r._init_runner(dict(nms=None, max_per_img=10, max_per_mpix=100), 'x')
    scores = torch.linspace(1, 0.01, 1000)
    dets = [(torch.rand(1000, 4), scores, torch.zeros(1000,
                                                      dtype=torch.long))]
    assert len(r.merge(dets, 0.05e6)[1]) == 10
    b, s, lab = r.merge(dets, 0.5e6)
    assert len(s) == 50 and torch.equal(s, scores[:50])
    empty = r.merge([], 1e6)
    assert [tuple(t.shape) for t in empty] == [(0, 4), (0, ), (0, )]


@pytest.mark.parametrize('key,hint', [('chip_per_batch', 'chips_per_batch'),
                                      ('scale', 'scales'),
                                      ('max_per_image', 'max_per_img'),
                                      ('tiles', 'tile')])
def test_pyramid_typos(key, hint):
    with pytest.raises(KeyError, match=f"did you mean '{hint}'"):
        SniperMultiScaleTTA(module=_Stub(), tta_cfg={key: 1})


@pytest.mark.parametrize('key,hint', [('border_margn', 'border_margin'),
                                      ('chip_per_batch', 'chips_per_batch'),
                                      ('scale', 'scales'),
                                      ('valid_range', 'valid_ranges')])
def test_autofocus_typos(key, hint):
    with pytest.raises(KeyError, match=f"did you mean '{hint}'"):
        AutoFocusDetector(module=_Stub(), autofocus_cfg={key: 1})


def test_typos_in_nested_settings():
    with pytest.raises(KeyError, match=r"focus\[0\].*did you mean "
                       "'threshold'"):
        AutoFocusDetector(
            module=_Stub(),
            autofocus_cfg=dict(
                scales=[0.5, 1.0],
                focus=[dict(dilation=1, treshold=.5, min_chip_cells=2)]))
    with pytest.raises(KeyError, match="did you mean 'border_margin'"):
        SniperMultiScaleTTA(module=_Stub(),
                            tta_cfg=dict(tile=dict(border_margn=2)))


def test_scale_order():
    # AutoFocus: coarse to fine
    with pytest.raises(ValueError, match='not ordered coarse to fine'):
        AutoFocusDetector(module=_Stub(),
                          autofocus_cfg=dict(scales=[512, 1.5, 0.75]))
    AutoFocusDetector(
        module=_Stub(),
        autofocus_cfg=dict(
            scales=[512, 0.75, 1.5],
            focus=dict(dilation=1, threshold=.5, min_chip_cells=2)))
    # the pyramid: finest first
    with pytest.raises(ValueError, match='not ordered finest first'):
        SniperMultiScaleTTA(module=_Stub(), tta_cfg=dict(scales=[1.0, 2.0]))
    SniperMultiScaleTTA(module=_Stub(), tta_cfg=dict(scales=[2.0, 1.0, 64]))
    with pytest.raises(ValueError, match=r"64 comes before 1\.0"):
        SniperMultiScaleTTA(module=_Stub(), tta_cfg=dict(scales=[64, 1.0]))
    spec = [(1400, 2000), (800, 1280), (480, 512)]
    check_scale_order(spec, False, 'x')
    check_scale_order(spec[::-1], True, 'x')
    with pytest.raises(ValueError):
        check_scale_order(spec[::-1], False, 'x')
    # pairs: one side the wrong way, the other not the right way
    with pytest.raises(ValueError, match='comes before'):
        check_scale_order([(800, 1280), (480, 1280)], True, 'x')
    with pytest.raises(ValueError, match='comes before'):
        check_scale_order([(480, 512), (400, 512)], True, 'x')
    # sides disagree: compared at the reference 3000 x 4000 image
    check_scale_order([(480, 2000), (800, 1280)], True, 'x')
    with pytest.raises(ValueError):
        check_scale_order([(800, 1280), (480, 2000)], True, 'x')
    check_scale_order([1.0, 1.0], True, 'x')  # equal is fine
    with pytest.raises(ValueError, match='at least one scale'):
        check_scale_order([], True, 'x')
    with pytest.raises(ValueError, match='invalid scale spec'):
        check_scale_order(['big'], True, 'x')


def test_valid_ranges():
    assert check_valid_ranges(None, 3, 'x') == [None] * 3
    assert check_valid_ranges([[-1, 90], None], 2, 'x') == [(-1, 90), None]
    with pytest.raises(ValueError, match='1 valid ranges for 2 scales'):
        SniperMultiScaleTTA(
            module=_Stub(),
            tta_cfg=dict(scales=[2.0, 1.0], valid_ranges=[(-1, 5)]))
    with pytest.raises(ValueError, match='3 valid ranges for 2 scales'):
        AutoFocusDetector(
            module=_Stub(),
            autofocus_cfg=dict(
                scales=[0.5, 1.0],
                valid_ranges=[(-1, 5)] * 3,
                focus=dict(dilation=1, threshold=.5, min_chip_cells=2)))
    with pytest.raises(ValueError, match='lo >= hi'):
        check_valid_ranges([(90, 32)], 1, 'x')
    with pytest.raises(ValueError, match='not a'):
        check_valid_ranges([(1, 2, 3)], 1, 'x')


def test_other_settings():
    per_scale = SniperMultiScaleTTA(
        module=_Stub(), tta_cfg=dict(chips_per_batch=(2, 2, 4)))
    assert [per_scale.batch_size(s) for s in range(4)] == [2, 2, 4, 4]
    with pytest.raises(ValueError, match='chips_per_batch'):
        SniperMultiScaleTTA(module=_Stub(), tta_cfg=dict(chips_per_batch=0))
    with pytest.raises(ValueError, match='`backbone` must be empty'):
        SniperMultiScaleTTA(module=_Stub(), backbone=dict(type='ResNet'))
    with pytest.raises(ValueError, match='transitions'):
        AutoFocusDetector(
            module=_Stub(),
            autofocus_cfg=dict(scales=[0.25, 0.5, 1.0],
                               focus=[dict(dilation=1, threshold=.5,
                                           min_chip_cells=1)]))
    with pytest.raises(ValueError, match='lacks'):
        AutoFocusDetector(
            module=_Stub(),
            autofocus_cfg=dict(scales=[0.5, 1.0],
                               focus=dict(dilation=1, threshold=.5)))
