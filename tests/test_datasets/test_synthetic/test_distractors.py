# Copyright (c) mmsniper contributors. All rights reserved.
"""Background and distractors of the synthetic dataset
(:mod:`mmsniper.datasets.synthetic.distractors`)."""
import cv2
import numpy as np

from mmsniper.datasets.synthetic.distractors import (_blend,
                                                     distractor_kinds,
                                                     draw_distractors,
                                                     muted_colour,
                                                     render_background)


def test_distractor_kinds():
    assert distractor_kinds() == ['blob', 'line', 'texture', 'decoy']


def test_muted_colours_are_unsaturated():
    rng = np.random.default_rng(0)
    cols = np.stack([muted_colour(rng) for _ in range(200)])
    assert cols.dtype == np.float32 and cols.shape == (200, 3)
    hsv = cv2.cvtColor(cols.astype(np.uint8)[None], cv2.COLOR_BGR2HSV)[0]
    # saturation <= 0.35, value in [0.2, 0.7] (of 255), up to rounding
    assert hsv[:, 1].max() <= 0.35 * 255 + 2
    assert 0.2 * 255 - 2 <= hsv[:, 2].min()
    assert hsv[:, 2].max() <= 0.7 * 255 + 2


def test_background_is_deterministic_noise():
    a = render_background(np.random.default_rng(1), 30, 50)
    b = render_background(np.random.default_rng(1), 30, 50)
    c = render_background(np.random.default_rng(2), 30, 50)
    assert a.dtype == np.uint8 and a.shape == (30, 50, 3)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.reshape(-1, 3).std(0).min() > 0.5  # not a flat colour
    # sizes that are not multiples of the 1/8 working resolution
    assert render_background(np.random.default_rng(1), 7, 1).shape == (7, 1,
                                                                       3)


def test_draw_distractors_in_place_and_deterministic():
    base = render_background(np.random.default_rng(0), 64, 80)
    img = base.copy()
    draw_distractors(np.random.default_rng(3), img, 0)
    assert np.array_equal(img, base)  # none drawn
    a, b = base.copy(), base.copy()
    draw_distractors(np.random.default_rng(3), a, 12, (4, 30))
    draw_distractors(np.random.default_rng(3), b, 12, (4, 30))
    assert np.array_equal(a, b) and not np.array_equal(a, base)
    assert a.dtype == np.uint8 and a.shape == base.shape


def test_blend_clips_to_the_image():
    img = np.zeros((4, 5, 3), np.uint8)
    patch = np.full((2, 3, 3), 100, np.float32)
    mask = np.array([[True, True, False], [True, True, True]])
    _blend(img, -1, 3, patch, mask)  # only its top-right part lands
    expect = np.zeros((4, 5, 3), np.uint8)
    expect[3, 0:1] = 100  # patch row 0, columns 1 (mask) and 2 (no mask)
    np.testing.assert_array_equal(img, expect)
    _blend(img, 5, 0, patch, mask)  # fully outside: nothing
    _blend(img, 0, -2, patch, mask)
    np.testing.assert_array_equal(img, expect)
    _blend(img, 2, 0, patch * 3, mask, alpha=0.5)  # clipped to 255, halved
    expect[0, 2:4] = 128
    expect[1, 2:5] = 128
    np.testing.assert_array_equal(img, expect)
