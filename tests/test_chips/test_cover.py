# Copyright (c) mmsniper contributors. All rights reserved.
import numpy as np
import pytest

from mmsniper.chips.cover import (boxes_to_cover, cover_scale, fits_in_chip,
                                  scale_boxes, valid_at_scale)
from mmsniper.ops import EXT_AVAILABLE

BACKENDS = ['numpy', pytest.param('ext', marks=pytest.mark.skipif(
    not EXT_AVAILABLE, reason='mmsniper._ext is not built'))]


def test_scale_boxes_clips_to_the_scaled_image():
    b = np.array([[-10, 5, 50, 2000], [0, 0, 10, 10]], np.float64)
    s = scale_boxes(b, 2.0, (1000, 80))
    assert s.dtype == np.float32
    np.testing.assert_array_equal(s, [[0, 10, 80, 1000], [0, 0, 20, 20]])


def test_fits_in_chip():
    # chip 512, stride 32: sides must stay below 512 - 32 - 1 = 479
    b = np.array([[0, 0, 478, 10], [0, 0, 479, 10], [0, 0, 10, 500]],
                 np.float32)
    np.testing.assert_array_equal(
        fits_in_chip(b, (2000, 2000), 512, 32), [True, False, False])
    # an axis where the whole image fits in a chip: any box fits there
    np.testing.assert_array_equal(
        fits_in_chip(b, (2000, 500), 512, 32), [True, True, False])
    np.testing.assert_array_equal(
        fits_in_chip(b, (500, 500), 512, 32), [True, True, True])


def test_valid_at_scale_rules():
    wh = np.array([[1, 50], [50, 50], [50, 50], [50, 50]], np.float64)
    usable = np.array([True, True, False, True])
    in_range = np.array([True, True, True, False])
    fits = np.array([True, True, True, True])
    np.testing.assert_array_equal(
        valid_at_scale(wh, usable, in_range, fits, False, 2.0),
        [False, True, False, False])
    # the coarsest scale ignores the side and fit rules
    np.testing.assert_array_equal(
        valid_at_scale(wh, usable, in_range, ~fits, True, 2.0),
        [True, True, False, False])


@pytest.mark.parametrize('backend', BACKENDS)
def test_cover_scale(backend):
    assert cover_scale(np.zeros((0, 4), np.float32), (100, 100), 512, 32, 0,
                       backend=backend)[0].shape == (0, 4)
    chips, bc = cover_scale(
        np.array([[1, 1, 2, 2]], np.float32), (700, 900), 512, 32, 0,
        whole_image=True, backend=backend)
    assert chips.tolist() == [[0, 0, 900, 700]] and bc.tolist() == [0]
    boxes = np.array([[10, 10, 20, 20], [600, 600, 700, 700]], np.float32)
    chips, bc = cover_scale(boxes, (1000, 1000), 512, 32, 3, backend=backend)
    assert len(chips) == 2 and sorted(bc.tolist()) == [0, 1]


def test_every_valid_box_is_coverable():
    """The fit rule guarantees a candidate holds every valid box."""
    rng = np.random.default_rng(0)
    for _ in range(50):
        hs, ws = (int(v) for v in rng.integers(100, 3000, 2))
        stride = int(rng.integers(1, 200))
        n = 50
        xy = rng.uniform(0, [ws, hs], (n, 2))
        wh = rng.uniform(1, 600, (n, 2))
        b = np.hstack([xy, xy + wh])
        b[:, 0::2] = b[:, 0::2].clip(0, ws)
        b[:, 1::2] = b[:, 1::2].clip(0, hs)
        bs, inds = boxes_to_cover(b, b[:, 2:] - b[:, :2], np.ones(n, bool),
                                  np.ones(n, bool), 1.0, (hs, ws), 512,
                                  stride, False, 0.0)
        chips, bc = cover_scale(bs, (hs, ws), 512, stride, 0,
                                backend='numpy')
        assert (bc >= 0).all()
