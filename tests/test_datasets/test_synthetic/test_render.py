# Copyright (c) mmsniper contributors. All rights reserved.
"""Drawing primitives of the synthetic dataset
(:mod:`mmsniper.datasets.synthetic.render`): classes, one object's patch,
mask and outline polygons."""
import numpy as np
import pytest

from mmsniper.datasets.synthetic.render import (CLASS_NAMES, CLASSES,
                                                _polygon, bgr, render_object)
from mmsniper.testing.masks import coco_polygon_mask


def test_classes():
    assert CLASS_NAMES == ('red_disk', 'blue_square', 'green_triangle',
                           'yellow_cross', 'purple_hexagon')
    assert [n for n, _ in CLASSES] == list(CLASS_NAMES)
    out = bgr((1, 2, 250))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [250, 2, 1])
    with pytest.raises(ValueError, match="unknown shape 'star'"):
        _polygon('star')


def test_shape_outlines_are_the_drawn_shapes():
    rng = np.random.default_rng(0)
    for label in range(len(CLASS_NAMES)):
        patch, mask, polys = render_object(label, 200., 120., 10., rng,
                                           with_polygon=True)
        m = coco_polygon_mask(polys, *mask.shape)
        assert (m & mask).sum() / (m | mask).sum() > 0.98, CLASS_NAMES[label]
        n = [len(p) // 2 for p in polys]
        # disks: 24 vertices (+ the half-pixel widening), the cross: 2 arms
        assert len(polys) == (2 if CLASS_NAMES[label] == 'yellow_cross'
                              else 1)
        assert max(n) <= 40, n


def test_object_patch_is_tight_and_deterministic():
    for label in range(len(CLASS_NAMES)):
        rng = np.random.default_rng(label)
        patch, mask = render_object(label, 30., 20., 10., rng)
        assert patch.dtype == np.uint8 and mask.dtype == bool
        assert patch.shape == mask.shape + (3, )
        # tight: every border row and column holds a shape pixel
        assert mask[0].any() and mask[-1].any()
        assert mask[:, 0].any() and mask[:, -1].any()
        state = rng.bit_generator.state
        # the polygon draws no random numbers: same patch, same state
        rng2 = np.random.default_rng(label)
        patch2, mask2, _ = render_object(label, 30., 20., 10., rng2,
                                         with_polygon=True)
        assert np.array_equal(patch, patch2) and np.array_equal(mask, mask2)
        assert rng2.bit_generator.state == state


def test_axis_aligned_square_fills_its_patch():
    rng = np.random.default_rng(0)
    patch, mask = render_object(1, 40., 40., 0., rng)
    # 40 px plus cv2's fill rule (half a pixel on each side)
    assert mask.shape == (41, 41) and mask.all()
    # a dark outline (0.25 of the colour) about 1 px thick at 40 px: one
    # colour on the border, darker than every pixel inside
    border = np.ones(mask.shape, bool)
    border[1:-1, 1:-1] = False
    edge = patch[border].astype(int)
    assert (edge == edge[0]).all()
    assert edge[0].sum() < patch[~border].astype(int).sum(1).min()


def test_small_objects_have_no_outline_and_tiny_ones_one_pixel():
    patch, mask = render_object(1, 10., 10., 0., np.random.default_rng(0))
    assert mask.all()
    # under 14 px no outline: the border is the texture's colours
    assert len(np.unique(patch.reshape(-1, 3), axis=0)) <= 2
    for label in range(len(CLASS_NAMES)):  # a 0.1 px shape: one pixel
        patch, mask, polys = render_object(label, 0.1, 0.1, 0.,
                                           np.random.default_rng(0),
                                           with_polygon=True)
        assert mask.shape == (1, 1) and mask.all()
        assert patch.shape == (1, 1, 3)
        np.testing.assert_array_equal(coco_polygon_mask(polys, 1, 1), mask)
