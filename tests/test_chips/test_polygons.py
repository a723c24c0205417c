# Copyright (c) mmsniper contributors. All rights reserved.
"""Polygon geometry of chips: window map, exact clipping, degeneracy."""
import numpy as np
import pycocotools.mask as mask_utils
import pytest

from mmsniper.chips.crop_resize import window_matrix
from mmsniper.chips.polygons import (clip_polygon, is_degenerate,
                                     polygon_area, transform_polygon,
                                     window_map)

#: pycocotools 2.0 decoding under numpy 2 (known warning of the stack)
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword")


def _raster(polys, h, w):
    rles = mask_utils.frPyObjects([list(p) for p in polys], h, w)
    return mask_utils.decode(mask_utils.merge(rles)).astype(bool)


@pytest.mark.parametrize('f,origin', [(1.0, (0., 0.)), (2.0, (10., 4.)),
                                      (0.37, (3.3, 17.9))])
def test_window_map_is_the_box_map_and_inverts_window_matrix(f, origin):
    a = window_map(f, origin)
    np.testing.assert_allclose(a, [[f, 0, -origin[0]], [0, f, -origin[1]]],
                               atol=1e-12)
    # pixel centres: dst centre c' = a(c + .5) - .5 goes back through
    # window_matrix to c
    src = np.array([[3., 5.], [40.5, 2.25]])
    dst = (src + 0.5) @ a[:, :2].T + a[:, 2] - 0.5
    m = window_matrix(f, origin)
    np.testing.assert_allclose(dst @ m[:, :2].T + m[:, 2], src, atol=1e-9)
    poly = np.array([1., 2., 7., 2., 7., 9.])
    np.testing.assert_allclose(
        transform_polygon(poly, a),
        [f * 1 - origin[0], f * 2 - origin[1], f * 7 - origin[0],
         f * 2 - origin[1], f * 7 - origin[0], f * 9 - origin[1]])


def test_clip_convex_exact():
    # a square half outside the right border
    sq = np.array([8., 2., 14., 2., 14., 6., 8., 6.])
    out = clip_polygon(sq, (0, 0, 10, 10))
    assert out.tolist() == [8., 2., 10., 2., 10., 6., 8., 6.]
    assert polygon_area(out) == 8
    # a triangle cutting a corner: the clipped ring has the corner
    tri = np.array([5., -5., 15., 5., 5., 5.])
    out = clip_polygon(tri, (0, 0, 10, 10))
    xy = {tuple(p) for p in out.reshape(-1, 2)}
    assert xy == {(5., 0.), (10., 0.), (10., 5.), (5., 5.)}
    assert polygon_area(out) == pytest.approx(25.)
    # inside: unchanged; outside: empty
    assert clip_polygon(sq, (0, 0, 20, 20)).tolist() == sq.tolist()
    assert clip_polygon(sq, (20, 20, 30, 30)).size == 0


def test_clip_concave_cut_in_two_rasterises_exactly():
    # a U whose two arms leave the top of the window: two pieces joined
    # along the border
    u = np.array([0., 0., 30., 0., 30., 30., 20., 30., 20., 10., 10., 10.,
                  10., 30., 0., 30.]) + np.tile([5., 5.], 8)
    box = (0, 0, 40, 25)
    out = clip_polygon(u, box)
    assert out.reshape(-1, 2)[:, 1].max() == 25.
    ref = _raster([u], 40, 40)[:25]
    got = _raster([out], 25, 40)
    np.testing.assert_array_equal(got, ref)
    assert polygon_area(out) == pytest.approx(30 * 20 - 10 * 10)


def test_clip_self_intersecting_keeps_its_fill():
    bowtie = np.array([0., 0., 20., 20., 20., 0., 0., 20.])
    assert not is_degenerate(bowtie) and polygon_area(bowtie) == 0
    box = (0, 0, 20, 13)
    out = clip_polygon(bowtie, box)
    np.testing.assert_array_equal(
        _raster([out], 13, 20),
        _raster([bowtie], 20, 20)[:13])


def test_degenerate():
    assert is_degenerate(np.array([1., 1., 5., 5.]))  # 2 points
    assert is_degenerate(np.array([0., 0., 4., 4., 8., 8., 2., 2.]))
    assert is_degenerate(np.array([3., 3., 3., 3., 3., 3.]))
    assert is_degenerate(np.zeros(0))
    assert not is_degenerate(np.array([0., 0., 4., 0., 0., 4.]))
    # a polygon lying on the clip border collapses to a segment
    flat = clip_polygon(np.array([10., 0., 14., 0., 14., 4.]), (0, 0, 10, 10))
    assert is_degenerate(flat)
