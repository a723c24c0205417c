# Copyright (c) mmsniper contributors. All rights reserved.
"""FocusChips in original-image pixels (:mod:`mmsniper.chips.focus`): the
map limits, the cell-to-pixel conversion with its cut at the crop, the
whole ``focus_chips`` on hand-made maps and its input checks, and
``fuse_chips`` (overlapping FocusChips of several maps fused, disjoint
kept)."""
import numpy as np
import pytest
import torch

from mmsniper.chips.focus import (cells_to_chips, focus_chips,
                                  focus_map_limits, fuse_chips)
from mmsniper.ops.focus_chips import focus_chip_cells
from mmsniper.testing.focus_chip_cases import prob_map


@pytest.mark.parametrize('map_shape,stride,scale,crop,expected', [
    ((10, 12), 16, 1., None, (192., 160., 12, 10)),  # the map's extent
    ((2, 3), 8, 0.5, None, (24., 16., 3, 2)),  # no crop: scale unused
    ((10, 12), 16, 1., (150, 100), (150., 100., 10, 7)),  # ceil(150 / 16)
    ((10, 12), 16, 2., (100, 64), (200., 128., 13, 8)),  # current-scale px
    ((10, 12), 16, 1., (160, 32), (160., 32., 10, 2)),  # exact multiples
])
def test_focus_map_limits(map_shape, stride, scale, crop, expected):
    out = focus_map_limits(map_shape, stride, scale, crop)
    assert out == expected
    assert [type(v) for v in out] == [float, float, int, int]


@pytest.mark.parametrize('cells,k,crop_w,crop_h,expected', [
    ([[1, 2, 3, 4]], 1, 1000, 1000, [[16, 32, 48, 64]]),  # inside: x 16
    # x2 208 cut to 200, x1 80 moved back to keep k * 16 = 128 px
    ([[5, 0, 13, 8]], 8, 200, 128, [[72, 0, 200, 128]]),
    # the crop is narrower than k * 16: x1 stops at 0
    ([[0, 0, 4, 4]], 4, 40, 100, [[0, 0, 40, 64]]),
    # still k * 16 = 32 px wide after the cut: x1 stays
    ([[2, 0, 6, 1]], 2, 90, 100, [[32, 0, 90, 16]]),
    # cut in y only: y2 96 -> 80, y1 32 -> 80 - 4 * 16 = 16
    ([[0, 2, 1, 6]], 4, 100, 80, [[0, 16, 16, 80]]),
])
def test_cells_to_chips_cut_at_the_crop(cells, k, crop_w, crop_h, expected):
    out = cells_to_chips(np.array(cells), k, crop_w, crop_h)
    assert out.dtype == np.float32 and out.tolist() == expected


def test_cells_to_chips_scale_origin_and_empty():
    # [10, 10, 20, 20] current-scale px / 0.5 + (5, 7)
    out = cells_to_chips([1, 1, 2, 2], 1, 100, 100, stride=10,
                         scale_factor=0.5, crop_origin=(5, 7))
    assert out.tolist() == [[25, 27, 45, 47]]
    cells = np.array([[1., 1., 2., 2.]])
    cells_to_chips(cells, 1, 100, 100)
    assert cells.tolist() == [[1, 1, 2, 2]]  # the input is not changed
    empty = cells_to_chips(np.zeros((0, 4), np.int64), 4, 100, 100)
    assert empty.shape == (0, 4) and empty.dtype == np.float32


def test_focus_chips_pixels():
    prob = prob_map(32, 32, [(10, 20), (10, 21), (11, 20), (11, 21)])
    assert focus_chip_cells(prob, 0.5, 3, 16).tolist() == [[13, 3, 29, 19]]
    chips = focus_chips(prob, 0.5, 3, 16)
    assert chips.dtype == np.float32
    assert chips.tolist() == [[208, 48, 464, 304]]
    # stride, scale and crop origin
    chips = focus_chips(torch.from_numpy(prob), 0.5, 3, 16, stride=8,
                        scale_factor=0.5, crop_origin=(100, 50))
    assert chips.tolist() == [[100 + 208, 50 + 48, 100 + 464, 50 + 304]]
    # empty map
    assert focus_chips(np.zeros((8, 8), np.float32), 0.5, 3,
                       4).shape == (0, 4)


def test_focus_chips_crop_clipping():
    # all-positive padded map: one chip = the whole crop (150 x 100 px)
    ones = np.ones((10, 12), np.float32)
    assert focus_chips(ones, 0.5, 3, 4, crop_size=(150, 100)).tolist() == [
        [0, 0, 150, 100]]
    assert focus_chips(ones, 0.5, 3, 16).tolist() == [[0, 0, 192, 160]]
    # x2 cut at the crop (208 -> 200), x1 moved to keep k * 16 = 128 px
    prob = prob_map(8, 16, [(3, 12)])
    assert focus_chip_cells(prob, 0.5, 1, 8, 13, 8).tolist() == [
        [5, 0, 13, 8]]
    chips = focus_chips(prob, 0.5, 1, 8, crop_size=(200, 128))
    assert chips.tolist() == [[72, 0, 200, 128]]
    # the same crop at scale 2, 400 x 256 original px at origin (10, 20)
    chips = focus_chips(prob, 0.5, 1, 8, scale_factor=2., crop_size=(100, 64),
                        crop_origin=(10, 20))
    assert chips.tolist() == [[10 + 36, 20, 10 + 100, 20 + 64]]


@pytest.mark.parametrize('kwargs, match', [
    (dict(scale_factor=0.), 'scale_factor'),
    (dict(scale_factor=float('inf')), 'scale_factor'),
    (dict(stride=0), 'stride'),
    (dict(stride=2.5), 'stride must be an integer'),
    (dict(crop_size=(0, 10)), 'crop_size'),
    (dict(prob_map=np.zeros(5, np.float32)), '2-D'),
])
def test_focus_chips_bad_inputs(kwargs, match):
    args = dict(prob_map=np.zeros((4, 4), np.float32), threshold=0.5,
                dilation=3, min_chip_cells=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        focus_chips(**args)


def _overlap(a, b):
    return (min(a[2], b[2]) > max(a[0], b[0])
            and min(a[3], b[3]) > max(a[1], b[1]))


def test_fuse_hand_made():
    chips = np.array([[0, 0, 10, 10], [5, 5, 20, 20], [100, 100, 110, 110],
                      [19, 30, 40, 40]], np.float32)
    out = fuse_chips(chips)
    # the first two overlap -> one; the third alone; the fourth is disjoint
    # from the union (y 30 > 20) -> kept
    assert out.tolist() == [[0, 0, 20, 20], [19, 30, 40, 40],
                            [100, 100, 110, 110]]


def test_fuse_transitive_and_cascading():
    # a chain a-b-c fuses into one; its bounding box then overlaps d
    chips = np.array([[0, 0, 10, 10], [9, 0, 20, 10], [19, 0, 30, 10],
                      [25, 12, 40, 20], [0, 11, 5, 20]], np.float32)
    out = fuse_chips(chips)
    assert out.tolist() == [[0, 0, 30, 10], [0, 11, 5, 20],
                            [25, 12, 40, 20]]
    # touching edges fuse (as painting does)
    assert fuse_chips(np.array([[0, 0, 10, 10], [10, 0, 20, 10]])).tolist() \
        == [[0, 0, 20, 10]]


def test_fuse_random_disjoint_and_covering():
    rng = np.random.default_rng(0)
    for _ in range(30):
        k = int(rng.integers(0, 25))
        xy = rng.uniform(0, 500, (k, 2))
        wh = rng.uniform(5, 120, (k, 2))
        chips = np.concatenate([xy, xy + wh], 1)
        out = fuse_chips(chips)
        assert out.shape[1] == 4 and len(out) <= k
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                assert not _overlap(out[i], out[j])
        # every input chip lies inside one output chip
        for c in chips.astype(np.float32):
            assert ((out[:, 0] <= c[0]) & (out[:, 1] <= c[1])
                    & (out[:, 2] >= c[2]) & (out[:, 3] >= c[3])).any()
    assert fuse_chips(np.zeros((0, 4))).shape == (0, 4)
