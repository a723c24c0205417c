# Copyright (c) mmsniper contributors. All rights reserved.
"""fuse_chips: overlapping FocusChips of several maps fused, disjoint kept."""
import numpy as np

from mmsniper.chips.focus import fuse_chips


def _overlap(a, b):
    return (min(a[2], b[2]) > max(a[0], b[0])
            and min(a[3], b[3]) > max(a[1], b[1]))


def test_hand_made():
    chips = np.array([[0, 0, 10, 10], [5, 5, 20, 20], [100, 100, 110, 110],
                      [19, 30, 40, 40]], np.float32)
    out = fuse_chips(chips)
    # the first two overlap -> one; the third alone; the fourth is disjoint
    # from the union (y 30 > 20) -> kept
    assert out.tolist() == [[0, 0, 20, 20], [19, 30, 40, 40],
                            [100, 100, 110, 110]]


def test_transitive_and_cascading():
    # a chain a-b-c fuses into one; its bounding box then overlaps d
    chips = np.array([[0, 0, 10, 10], [9, 0, 20, 10], [19, 0, 30, 10],
                      [25, 12, 40, 20], [0, 11, 5, 20]], np.float32)
    out = fuse_chips(chips)
    assert out.tolist() == [[0, 0, 30, 10], [0, 11, 5, 20],
                            [25, 12, 40, 20]]
    # touching edges fuse (as painting does)
    assert fuse_chips(np.array([[0, 0, 10, 10], [10, 0, 20, 10]])).tolist() \
        == [[0, 0, 20, 10]]


def test_random_disjoint_and_covering():
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
