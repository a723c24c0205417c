# Copyright (c) mmsniper contributors. All rights reserved.
"""The crop window of a chip and the bottom/right padding
(:mod:`mmsniper.datasets.transforms.chip_window`), by hand."""
import numpy as np
import pytest

from mmsniper.datasets.transforms.chip_window import (chip_window,
                                                      pad_bottom_right)


def _res(chip=(10, 5, 110, 65), factor=1.0, **kw) -> dict:
    """A sample of a 200 x 100 (w x h) image."""
    return dict(img=np.zeros((100, 200, 3), np.uint8), chip=chip,
                chip_factor=factor, **kw)


def test_window_of_a_chip():
    chip, f, origin, size = chip_window(_res())
    assert chip.dtype == np.float64
    np.testing.assert_array_equal(chip, [10, 5, 110, 65])
    assert (f, origin, size) == (1.0, (10.0, 5.0), (60, 100))
    # factor 0.5: the window is round(chip * f), content 30 x 50
    _, f, origin, size = chip_window(_res((10, 6, 110, 66), 0.5))
    assert (f, origin, size) == (0.5, (5.0, 3.0), (30, 50))
    # an explicit chip_scaled wins over the rounding
    _, _, origin, size = chip_window(
        _res((10, 6, 110, 66), 0.5, chip_scaled=np.array([4, 3, 55, 33])))
    assert (origin, size) == ((4.0, 3.0), (30, 51))
    # a chip as an array [1, 4] and the 1e-3 px slack at the image edges
    chip, _, origin, size = chip_window(
        _res(np.array([[-0.0005, 0, 200.0005, 100]])))
    assert (origin, size) == ((0.0, 0.0), (100, 200))


@pytest.mark.parametrize('direction, chip, origin', [
    ('horizontal', [90, 5, 190, 65], (90.0, 5.0)),
    ('vertical', [10, 35, 110, 95], (10.0, 35.0)),
    ('diagonal', [90, 35, 190, 95], (90.0, 35.0)),
])
def test_flipped_chip_is_mirrored(direction, chip, origin):
    res = _res(np.array([10., 5., 110., 65.]), flip=True,
               flip_direction=direction)
    got, _, o, size = chip_window(res)
    np.testing.assert_array_equal(got, chip)
    assert o == origin and size == (60, 100)
    # the sample's own chip is left as it was
    np.testing.assert_array_equal(res['chip'], [10, 5, 110, 65])


def test_flip_at_a_factor_mirrors_the_window():
    # w * f = 100: the window [5, 3, 55, 33] mirrors to x 45..95
    _, _, origin, _ = chip_window(
        _res((10, 6, 110, 66), 0.5, flip=True))  # horizontal by default
    assert origin == (45.0, 3.0)
    # no flip: the direction is not looked at
    _, _, origin, _ = chip_window(_res(flip=False, flip_direction='x'))
    assert origin == (10.0, 5.0)


@pytest.mark.parametrize('chip', [(150, 5, 250, 65), (-20, 5, 50, 65),
                                  (10, 60, 110, 120), (50, 5, 50, 65),
                                  (60, 5, 50, 65)])
def test_chip_outside_the_image_names_the_file(chip):
    with pytest.raises(AssertionError,
                       match=r'is not inside the image \(w=200, h=100\) '
                       'of data/a.jpg'):
        chip_window(_res(chip, img_path='data/a.jpg'))
    with pytest.raises(AssertionError, match=r'h=100\) of \?'):
        chip_window(_res(chip))


def test_bad_chips_factors_and_flips():
    for chip in ((1, 2, 3), (0, 0, np.nan, 10), (0, 0, np.inf, 10)):
        with pytest.raises(AssertionError,
                           match='chip must be 4 finite numbers x1y1x2y2'):
            chip_window(_res(chip))
    for f in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(AssertionError, match='chip_factor must be '
                           'positive'):
            chip_window(_res(factor=f))
    with pytest.raises(AssertionError, match='empty chip window'):
        chip_window(_res((0, 0, 0.4, 10)))  # rounds to 0 px wide
    with pytest.raises(AssertionError, match='empty chip window'):
        chip_window(_res(chip_scaled=[5, 5, 5, 10]))
    with pytest.raises(AssertionError,
                       match=r'chip window \[0.0, 0.0, 102.0, 10.0\] at '
                       r'factor 0.5 is outside the resized image '
                       r'\(100.0 x 50.0\)'):
        chip_window(_res(factor=0.5, chip_scaled=[0, 0, 102, 10]))
    with pytest.raises(AssertionError,
                       match="unsupported flip_direction 'sideways'"):
        chip_window(_res(flip=True, flip_direction='sideways'))


def test_pad_bottom_right():
    img = np.arange(6, dtype=np.uint8).reshape(2, 3)
    assert pad_bottom_right(img, None, 0) is img
    assert pad_bottom_right(img, 2, 0) is img  # large enough
    np.testing.assert_array_equal(pad_bottom_right(img, 3, 7),
                                  [[0, 1, 2], [3, 4, 5], [7, 7, 7]])
    out = pad_bottom_right(img, 4, 9)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [[0, 1, 2, 9], [3, 4, 5, 9],
                                        [9, 9, 9, 9], [9, 9, 9, 9]])
    rgb = np.ones((2, 3, 2), np.float32)
    out = pad_bottom_right(rgb, 3, -1.5)
    assert out.shape == (3, 3, 2) and out.dtype == np.float32
    assert (out[:2, :3] == 1).all() and (out[2] == -1.5).all()
