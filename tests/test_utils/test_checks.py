"""mmsniper.utils.checks: keys, integers, boxes, image shapes, flags."""
import numpy as np
import pytest
import torch

from mmsniper.utils.checks import (as_boxes, as_flags, as_img_shape, as_int,
                                   check_boxes, check_keys)


def test_check_keys():
    check_keys('chip_cfg', dict(chip_size=1), ['chip_size', 'stride'])
    with pytest.raises(KeyError) as e:
        check_keys('chip_cfg', dict(chip_sise=1, zzz=2, stride=3),
                   ['chip_size', 'stride'])
    msg = e.value.args[0]
    assert msg == ("chip_cfg has unknown keys ['chip_sise', 'zzz'] (did you "
                   "mean 'chip_size' for 'chip_sise'?); valid keys: "
                   "['chip_size', 'stride']")
    with pytest.raises(KeyError, match=r"unknown keys \['qq'\]; valid"):
        check_keys('x', dict(qq=1), ('chip_size', ))


@pytest.mark.parametrize('value,out', [(3, 3), (np.int64(4), 4), (5.0, 5),
                                       (np.float32(2), 2)])
def test_as_int_accepts(value, out):
    got = as_int('n', value, 1, 10)
    assert got == out and type(got) is int


@pytest.mark.parametrize('kw,match', [
    (dict(value=True), 'n must be an integer'),
    (dict(value=2.5), 'n must be an integer'),
    (dict(value='3'), 'n must be an integer'),
    (dict(value=None), 'n must be an integer'),
    (dict(value=0), r'n must be in \[1, 10\], got 0'),
    (dict(value=11), r'n must be in \[1, 10\], got 11'),
    (dict(value=2.0, integral_floats=False), 'n must be an integer'),
])
def test_as_int_rejects(kw, match):
    with pytest.raises(ValueError, match=match):
        as_int('n', low=1, high=10, **kw)


def test_as_int_unbounded():
    assert as_int('n', 1 << 40, 0) == 1 << 40
    with pytest.raises(ValueError, match=r'n must be in \[0, inf\]'):
        as_int('n', -1, 0)


def test_boxes():
    b = as_boxes([[0, 0, 4, 4], [1, 1, 2, 3]], 'gt')
    assert b.dtype == np.float64 and b.shape == (2, 4)
    assert as_boxes(None, 'gt').shape == (0, 4)
    assert as_boxes(torch.zeros(0), 'gt').shape == (0, 4)
    assert as_boxes(np.zeros((3, 5)), 'props', min_cols=4).shape == (3, 5)
    check_boxes(np.zeros((0, )))  # an empty array is fine
    with pytest.raises(ValueError, match=r'gt must have shape \[N, 4\]'):
        as_boxes(np.zeros((2, 3)), 'gt')
    with pytest.raises(ValueError, match='gt has 1 row'):
        check_boxes(np.array([[0, 0, np.nan, 1]]), 'gt')
    with pytest.raises(ValueError, match='real numeric dtype'):
        check_boxes(torch.zeros((1, 4), dtype=torch.bool), 'gt')
    with pytest.raises(ValueError, match='cannot be read as numbers'):
        as_boxes([['a', 0, 1, 1]], 'gt')


def test_img_shape_and_flags():
    assert as_img_shape((5, 7, 3)) == (5, 7)
    assert as_img_shape(torch.Size([2, 3])) == (2, 3)
    with pytest.raises(ValueError, match='img_shape must be'):
        as_img_shape(5)
    with pytest.raises(ValueError, match='img_shape height'):
        as_img_shape((0, 4))
    assert as_flags(None, 2, 'f').tolist() == [False, False]
    assert as_flags(torch.tensor([1, 0]), 2, 'f').tolist() == [True, False]
    with pytest.raises(ValueError, match=r'f must have shape \[3\]'):
        as_flags([True], 3, 'f')
