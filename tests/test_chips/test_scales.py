# Copyright (c) mmsniper contributors. All rights reserved.
import numpy as np
import pytest

from mmsniper.chips.scales import (box_sizes, describe_scales, parse_scale,
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


def test_box_sizes():
    b = np.array([[0, 0, 4, 9], [5, 5, 5, 10], [3, 3, 1, 1]], np.float64)
    np.testing.assert_allclose(box_sizes(b), [6, 0, 0])
