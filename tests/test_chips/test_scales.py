# Copyright (c) mmsniper contributors. All rights reserved.
import math

import numpy as np
import pytest

from mmsniper.chips.scales import (box_sizes, describe_scales, in_range_masks,
                                   normalize_valid_ranges, parse_scale,
                                   scale_factor, scale_factors, scaled_size)


@pytest.mark.parametrize('spec, img_shape, expected', [
    (3.0, (480, 640), 3.0),
    (1.667, (480, 640), 1.667),
    (512, (480, 640), 0.8),  # long side to 512 px
    (512.0, (1000, 500), 0.512),
    ((-1, 512), (480, 640), 0.8),
    ((1400, 2000), (480, 640), 1400 / 480),
    ((1400, 2000), (480, 1000), 2.0),  # capped by the long side
    ((800, 1280), (600, 800), 800 / 600),
    ((1400, 2000), (1400, 1500), 1.0),
    (dict(factor=2.0), (10, 10), 2.0),
    (dict(long_side=512), (256, 128), 2.0),
    (dict(short_side=600), (300, 900), 2.0),
    (dict(short_side=600, max_long_side=1000), (300, 900), 1000 / 900),
])
def test_scale_factor(spec, img_shape, expected):
    assert scale_factor(spec, img_shape) == pytest.approx(expected)


def test_scale_factors_and_sizes():
    f = scale_factors((3.0, 1.667, 512), (480, 640))
    np.testing.assert_allclose(f, [3.0, 1.667, 0.8])
    assert scaled_size((480, 640), 0.8) == (384, 512)
    assert scaled_size((480, 640), 512 / 640) == (384, 512)
    assert scaled_size((3, 3), 0.01) == (1, 1)  # at least one pixel
    assert describe_scales((3.0, 512, (1400, 2000))) == [
        'x3', 'long=512', 'short=1400,long<=2000'
    ]


@pytest.mark.parametrize('spec', [
    'x3', None, (1, 2, 3), (0, 512), -2.0, 0, float('nan'), float('inf'),
    dict(size=3), dict(factor='a'), [1400, 'a'], (1400, -5), True
])
def test_bad_scale(spec):
    with pytest.raises(ValueError, match='scale'):
        parse_scale(spec)


def test_valid_ranges():
    r = normalize_valid_ranges(((-1, 80), (32, 150), (120, -1)), 3)
    np.testing.assert_array_equal(r, [[0, 80], [32, 150], [120, math.inf]])
    sizes = np.array([0., 31.9, 32., 79.9, 80., 119., 120., 1e5])
    m = in_range_masks(sizes, r)
    np.testing.assert_array_equal(m[:, 0], [1, 1, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(m[:, 1], [0, 0, 1, 1, 1, 1, 1, 0])
    np.testing.assert_array_equal(m[:, 2], [0, 0, 0, 0, 0, 0, 1, 1])


@pytest.mark.parametrize('ranges, n, match', [
    (((-1, 80), ), 2, 'valid ranges given for 2 scales'),
    (((80, 20), ), 1, 'lo < hi'),
    (((-5, 20), ), 1, 'lo < hi'),
    ((80, ), 1, 'pair'),
    (((1, 2, 3), ), 1, 'pair'),
    (((float('nan'), 3), ), 1, 'lo < hi'),
])
def test_bad_valid_ranges(ranges, n, match):
    with pytest.raises(ValueError, match=match):
        normalize_valid_ranges(ranges, n)


def test_box_sizes():
    b = np.array([[0, 0, 4, 9], [5, 5, 5, 10], [3, 3, 1, 1]], np.float64)
    np.testing.assert_allclose(box_sizes(b), [6, 0, 0])
