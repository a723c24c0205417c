# Copyright (c) mmsniper contributors. All rights reserved.
import numpy as np

from mmsniper.chips import (chip_gt_ignore_flags, generate_chips,
                            group_by_chip, overlap_mask, split_valid_invalid)


def test_overlap_mask_and_grouping():
    chips = np.array([[0, 0, 10, 10], [5, 5, 20, 20]], np.float64)
    boxes = np.array([[1, 1, 2, 2], [10, 0, 12, 3], [9, 9, 11, 11],
                      [3, 3, 3, 8]], np.float64)
    np.testing.assert_array_equal(
        overlap_mask(chips, boxes),
        [[True, False, True, False], [False, False, True, False]])
    groups = group_by_chip(np.array([1, -1, 0, 1, 3]), 4)
    assert [g.tolist() for g in groups] == [[2], [0, 3], [], [4]]
    inv = split_valid_invalid(chips, boxes, [np.array([0]), np.array([])])
    assert [v.tolist() for v in inv] == [[2], [2]]


def _by_chip(res):
    return {
        tuple(int(v) for v in res.chips_scaled[k]):
        (res.valid_inds[k].tolist(), res.invalid_inds[k].tolist())
        for k in range(len(res))
    }


def test_hand_made_assignment():
    # one scale (factor 1), chip 100, stride 50, 300 x 100 image: candidate
    # origins x = 0, 50, 100, 150, 200.
    gt = np.array([
        [10, 10, 40, 40],  # 0 A: only in chip x=0
        [220, 10, 260, 40],  # 1 B: only in chip x=200
        [90, 10, 120, 40],  # 2 C: only in chip x=50, cut by chip x=0
        [20, 20, 25, 25],  # 3 E: out of range (size 5 < 20)
        [55, 55, 80, 80],  # 4 F: flagged ignore
    ], np.float32)
    ignore = np.array([0, 0, 0, 0, 1], bool)
    for seed in range(4):
        res = generate_chips(
            gt, (100, 300), scales=(1.0, ), valid_ranges=((20, -1), ),
            chip_size=100, stride=50, gt_ignore_flags=ignore, seed=seed,
            coarsest_whole_image=False)
        assert _by_chip(res) == {
            (0, 0, 100, 100): ([0], [2, 3, 4]),
            (50, 0, 150, 100): ([2], [4]),
            (200, 0, 300, 100): ([1], []),
        }
        np.testing.assert_array_equal(res.gt_valid[:, 0],
                                      [1, 1, 1, 0, 0])
        k = [tuple(c) for c in res.chips_scaled.tolist()].index(
            (0, 0, 100, 100))
        inds, flags = res.gt_ignore_flags(k)
        assert inds.tolist() == [0, 2, 3, 4]
        assert flags.tolist() == [False, True, True, True]
        overlaps, ign = chip_gt_ignore_flags(res.chips[k], gt,
                                             res.valid_inds[k])
        assert np.flatnonzero(overlaps).tolist() == [0, 2, 3, 4]
        assert np.flatnonzero(ign).tolist() == [2, 3, 4]


def test_assignment_properties():
    """Valid boxes: exactly one chip of their scale, fully inside. Every
    other overlapping box is invalid there."""
    rng = np.random.default_rng(0)
    for seed in range(25):
        h, w = (int(v) for v in rng.integers(300, 2500, 2))
        n = int(rng.integers(0, 80))
        s = np.exp(rng.uniform(np.log(3), np.log(800), n))
        xy = rng.uniform(-20, [w, h], (n, 2))
        gt = np.hstack([xy, xy + s[:, None] * rng.uniform(0.5, 1.5, (n, 2))])
        res = generate_chips(gt, (h, w), seed=seed, stride=(20, 40))
        clipped = gt.copy()
        clipped[:, 0::2] = clipped[:, 0::2].clip(0, w)
        clipped[:, 1::2] = clipped[:, 1::2].clip(0, h)
        clipped[res.gt_dropped] = 0
        ov = overlap_mask(res.chips.astype(np.float64), clipped)
        seen = np.zeros_like(res.gt_valid)
        for k in range(len(res)):
            sc = res.scale_inds[k]
            v, inv = res.valid_inds[k], res.invalid_inds[k]
            assert not set(v) & set(inv)
            assert sorted(set(v) | set(inv)) == np.flatnonzero(
                ov[k] | np.isin(np.arange(n), v)).tolist()
            assert res.gt_valid[v, sc].all()
            assert (res.gt_chip[v, sc] == k).all()
            seen[v, sc] = True
            # fully inside, in the cover's frame
            f = res.factors[k]
            hs, ws = res.scaled_shapes[sc]
            b = clipped[v] * f
            b[:, 0::2] = b[:, 0::2].clip(0, ws)
            b[:, 1::2] = b[:, 1::2].clip(0, hs)
            b = b.astype(np.float32)
            c = res.chips_scaled[k]
            assert ((c[0] <= b[:, 0]) & (b[:, 2] <= c[2]) & (c[1] <= b[:, 1])
                    & (b[:, 3] <= c[3])).all()
            # and inside in original pixels, up to float rounding
            co = res.chips[k]
            assert ((co[:2] - 1e-3 <= clipped[v, :2]).all()
                    and (clipped[v, 2:] <= co[2:] + 1e-3).all())
        np.testing.assert_array_equal(seen, res.gt_valid)
        assert ((res.gt_chip >= 0) == res.gt_valid).all()
