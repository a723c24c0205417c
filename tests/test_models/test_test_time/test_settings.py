"""Settings of the test-time wrappers: unknown keys, scale order, valid
ranges (hand-made values, no detector runs). Budgets, the final cap and
the scale-order rule itself: test_budgets.py, test_cfg_check.py."""
import pytest
import torch.nn as nn

from mmsniper.models.test_time import AutoFocusDetector, SniperMultiScaleTTA
from mmsniper.chips.valid_ranges import check_valid_ranges


class _Stub(nn.Module):
    """Never run: only for the constructor checks."""

    def __init__(self):
        super().__init__()
        self.focus_head = nn.Module()
        self.focus_head.stride = 16

    def test_step(self, data):
        raise AssertionError('not run')


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
