# Copyright (c) mmsniper contributors. All rights reserved.
import numpy as np
import pytest

from mmsniper.chips import (default_min_proposals, generate_chips,
                            mine_negative_chips, negative_chips_scale,
                            sample_negatives, uncovered_by)


def test_uncovered_by():
    chips = np.array([[0, 0, 100, 100]])
    boxes = np.array([[10, 10, 20, 20], [99.5, 10, 120, 20],
                      [98, 10, 120, 20], [300, 300, 310, 310]])
    np.testing.assert_array_equal(
        uncovered_by(chips, boxes, 1.0), [False, True, False, True])
    assert uncovered_by(np.zeros((0, 4)), boxes, 1.0).all()


def _cluster(rng, n, cx, cy, size=10, spread=30):
    c = rng.normal([cx, cy], spread, (n, 2))
    return np.hstack([c - size / 2, c + size / 2]).astype(np.float32)


def test_negative_threshold_is_strict():
    rng = np.random.default_rng(0)
    props = _cluster(rng, 30, 1500, 1500)
    for m, kept in ((29, 1), (30, 0)):
        chips = negative_chips_scale(props, np.zeros((0, 4), np.int32), 1.0,
                                     (3000, 3000), m, 512, 32, 0)
        assert len(chips) == kept
    # covered by a positive chip: nothing left to mine
    chips = negative_chips_scale(props, np.array([[1200, 1200, 1712, 1712]]),
                                 1.0, (3000, 3000), 0, 512, 32, 0)
    assert len(chips) == 0


def test_sample_negatives():
    rng = np.random.default_rng(0)
    assert sample_negatives([1, 0], 2, rng).tolist() == [0]
    assert sample_negatives([0, 0], 2, rng).tolist() == []
    assert sample_negatives([3, 2], 0, rng).tolist() == []
    a = sample_negatives([5, 5], 2, np.random.default_rng(3))
    b = sample_negatives([5, 5], 2, np.random.default_rng(3))
    assert a.tolist() == b.tolist() and len(set(a.tolist())) == 2


def test_generate_with_proposals():
    rng = np.random.default_rng(0)
    gt = np.array([[50, 50, 70, 70]], np.float32)  # small: scale 0
    props = np.vstack([
        _cluster(rng, 40, 800, 700, 12, 20),  # far: negative at scale 0
        _cluster(rng, 40, 60, 60, 12, 5),  # on the positive chip: covered
    ])
    scores = rng.random((len(props), 1)).astype(np.float32)
    res = generate_chips(gt, (1000, 1000), proposals=np.hstack(
        [props, scores]), num_neg_chips=2, seed=1)
    neg = np.flatnonzero(res.is_negative)
    assert res.num_neg == len(neg) >= 1 and res.num_neg_candidates >= 1
    for k in neg:
        assert res.valid_inds[k].size == 0
        assert (res.chips[k, :2] > 300).all()  # around the far cluster
    # one negative requested; same seed, same chips
    r1 = generate_chips(gt, (1000, 1000), proposals=props, num_neg_chips=1,
                        seed=5)
    r2 = generate_chips(gt, (1000, 1000), proposals=props, num_neg_chips=1,
                        seed=5)
    assert r1.num_neg == 1
    np.testing.assert_array_equal(r1.chips, r2.chips)
    # the GT overlapping a negative chip is invalid there
    gt2 = np.vstack([gt, [[790, 690, 800, 700]]]).astype(np.float32)
    r3 = generate_chips(gt2, (1000, 1000), proposals=props, seed=1,
                        gt_ignore_flags=np.array([False, True]))
    k = np.flatnonzero(r3.is_negative)
    assert any(1 in r3.invalid_inds[j] for j in k)
    # thresholds: per scale, or one for all
    r4 = generate_chips(gt, (1000, 1000), proposals=props, seed=1,
                        neg_min_proposals=(100, 100, 100))
    assert r4.num_neg == 0
    with pytest.raises(ValueError, match='neg_min_proposals'):
        generate_chips(gt, (1000, 1000), proposals=props,
                       neg_min_proposals=(1, 2))
    with pytest.raises(ValueError, match='proposals'):
        generate_chips(gt, (1000, 1000), proposals=np.full((2, 4), np.nan))


def test_generate_chips_mines_with_mine_negative_chips():
    """One implementation: generate_chips' negatives are
    mine_negative_chips' after the positive draws (stride, one seed per
    scale), and the positive chips do not depend on the proposals."""
    rng = np.random.default_rng(0)
    gt = np.array([[50, 50, 70, 70], [400, 380, 700, 650]], np.float32)
    props = np.vstack([
        _cluster(rng, 40, 800, 700, 12, 20),
        _cluster(rng, 40, 150, 800, 12, 20),
        _cluster(rng, 40, 60, 60, 12, 5),
    ])
    for seed in range(5):
        res = generate_chips(gt, (1000, 1000), proposals=props, seed=seed,
                             stride=(28, 40), num_neg_chips=1)
        pos = generate_chips(gt, (1000, 1000), seed=seed, stride=(28, 40))
        keep = ~res.is_negative
        np.testing.assert_array_equal(res.chips_scaled[keep],
                                      pos.chips_scaled)
        assert [res.valid_inds[k].tolist() for k in np.flatnonzero(keep)
                ] == [v.tolist() for v in pos.valid_inds]
        g = np.random.default_rng(seed)
        g.integers(28, 41)
        g.integers(0, 1 << 63, size=3, dtype=np.int64)
        neg = mine_negative_chips(props, (1000, 1000), pos.chips_scaled,
                                  pos.scale_inds, pos.factors_per_scale,
                                  chip_size=512, stride=pos.stride,
                                  num_neg_chips=1, seed=g)
        assert res.num_neg == 1 and neg.num_candidates == \
            res.num_neg_candidates >= 2
        np.testing.assert_array_equal(res.chips_scaled[~keep],
                                      neg.chips_scaled)
        np.testing.assert_array_equal(res.chips[~keep], neg.chips)
        np.testing.assert_array_equal(res.scale_inds[~keep], neg.scale_inds)


def test_mine_negative_chips_rules():
    rng = np.random.default_rng(1)
    far = _cluster(rng, 30, 800, 700, 12, 20)
    pos = np.zeros((0, 4), np.int32)
    kw = dict(factors=[1.0], valid_ranges=((-1, -1), ), chip_size=256,
              coarsest_whole_image=False)
    one = mine_negative_chips(far, (1000, 1000), pos, [], min_proposals=25,
                              **kw)
    assert one.num_candidates == len(one.chips) == 1
    # empty proposals: no negative chip
    none = mine_negative_chips(np.zeros((0, 5)), (1000, 1000), pos, [],
                               **kw)
    assert none.chips.shape == (0, 4) and none.num_candidates == 0
    assert none.chips_scaled.dtype == np.int32
    # the default M at a single scale is the finest's 25
    assert default_min_proposals(1) == [25]
    assert default_min_proposals(3) == [25, 10, 10]
    with pytest.raises(ValueError, match='pos_scale_inds'):
        mine_negative_chips(far, (1000, 1000), [[0, 0, 256, 256]], [1],
                            **kw)
    with pytest.raises(ValueError, match='factors'):
        mine_negative_chips(far, (1000, 1000), pos, [],
                            **dict(kw, factors=[0.0]))
    with pytest.raises(ValueError, match='proposals'):
        mine_negative_chips(far[:, :3], (1000, 1000), pos, [], **kw)
