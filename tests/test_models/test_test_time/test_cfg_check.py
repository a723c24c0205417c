"""Checks of the test-time settings (cfg_check.py): scale order, a wrapper
around a wrapper, the empty backbone stub, chips as arrays."""
import numpy as np
import pytest
import torch.nn as nn

import mmsniper  # noqa: F401
from mmsniper.models.test_time import AutoFocusDetector
from mmsniper.models.test_time.cfg_check import (check_backbone_stub,
                                                 check_not_wrapper,
                                                 check_scale_order, np_chips)


def test_scale_order():
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


def test_scale_order_of_mixed_kinds_at_the_reference_image():
    """A factor and a long-side target compare at 3000 x 4000: long side
    512 is factor 0.128, long side 8000 is 2.0."""
    check_scale_order([512, 0.5], True, 'x')  # 0.128 < 0.5
    check_scale_order([0.5, 512], False, 'x')
    check_scale_order([8000, 2.0], True, 'x')  # equal factors
    with pytest.raises(ValueError, match=r'x: scales \[0\.1, 512\] are not '
                       r'ordered finest first: 0\.1 comes before 512'):
        check_scale_order([0.1, 512], False, 'x')
    # (480, 512) at 3000 x 4000: min(480 / 3000, 512 / 4000) = 0.128
    with pytest.raises(ValueError, match='not ordered coarse to fine'):
        check_scale_order([(480, 512), 0.1], True, 'x')
    check_scale_order([(480, 512), 0.13], True, 'x')


class _Inner(nn.Module):
    pass


@pytest.mark.parametrize('module,name', [
    (dict(type='SniperMultiScaleTTA'), 'SniperMultiScaleTTA'),
    (dict(type='mmdet.DetTTAModel'), 'DetTTAModel'),
    (dict(type=AutoFocusDetector), 'AutoFocusDetector'),
    # registered subclasses under other names
    (dict(type='OracleAutoFocusDetector'), 'OracleAutoFocusDetector'),
    (dict(type='mmdet.SniperProposalTTA'), 'SniperProposalTTA'),
])
def test_wrapper_inside_a_wrapper_is_refused(module, name):
    with pytest.raises(ValueError) as e:
        check_not_wrapper(module, 'Outer')
    msg = str(e.value)
    assert msg.startswith(f'Outer: its `module` is itself a test-time '
                          f'wrapper ({name})')
    assert 'without --tta' in msg and 'with --tta' in msg


def test_wrapper_instance_inside_a_wrapper_is_refused():
    built = AutoFocusDetector.__new__(AutoFocusDetector)  # no __init__
    with pytest.raises(ValueError, match=r'\(AutoFocusDetector\)'):
        check_not_wrapper(built, 'Outer')


@pytest.mark.parametrize('module', [
    dict(type='FasterRCNN'), dict(type='mmdet.MaskRCNN'),
    dict(type='NoSuchDetector'), dict(type=_Inner), dict(), _Inner(), None
])
def test_detectors_are_accepted(module):
    check_not_wrapper(module, 'Outer')  # no error


def test_backbone_stub_must_be_empty():
    check_backbone_stub(None, 'Outer')
    check_backbone_stub({}, 'Outer')
    with pytest.raises(ValueError,
                       match=r"^Outer: `backbone` must be empty .*got "
                       r"backbone=\{'type': 'ResNet'\}$"):
        check_backbone_stub(dict(type='ResNet'), 'Outer')


def test_np_chips():
    out = np_chips([[1, 2, 3, 4], (5, 6, 7, 8)])
    assert out.dtype == np.float64
    assert out.tolist() == [[1., 2., 3., 4.], [5., 6., 7., 8.]]
    assert np_chips([]).shape == (0, 4)
    assert np_chips(np.arange(4, dtype=np.float32)).tolist() == [[0., 1.,
                                                                   2., 3.]]
