# Copyright (c) mmsniper contributors. All rights reserved.
"""The numpy reference of the chip cover (:mod:`mmsniper.ops.chip_cover_ref`):
its pieces on hand-made inputs, the greedy cover against the dense
transcription of spec 1.4, the seeded tie-break (a permutation, uniform
winners) and the pruning."""
import numpy as np
import pytest

from mmsniper.ops import EXT_AVAILABLE, chip_cover
from mmsniper.ops.chip_cover_ref import (axis_origins, box_rects,
                                         candidate_priority, chip_cover_ref,
                                         hash_rank, make_hash,
                                         prune_redundant_ref)
from mmsniper.testing.chip_cover_cases import check_cover, random_boxes

GOLDEN = 0x9E3779B97F4A7C15  # splitmix64's increment
MASK64 = (1 << 64) - 1


@pytest.mark.parametrize('size,chip,stride,expected', [
    (300, 512, 32, [0]),  # image smaller than a chip: one clipped chip
    (512, 512, 32, [0]),  # exactly a chip
    (600, 100, 250, [0, 250, 500]),  # grid 0, 250 then the edge 500
    (300, 100, 100, [0, 100, 200]),  # the edge origin is on the grid
    (130, 100, 10, [0, 10, 20, 30]),  # (30 + 9) // 10 = 3 grid + edge 30
    (101, 100, 100, [0, 1]),  # one grid origin, then the edge 1
])
def test_axis_origins(size, chip, stride, expected):
    xs = axis_origins(size, chip, stride)
    assert xs.dtype == np.int64 and xs.tolist() == expected


def test_axis_origins_long_axis():
    # (1000 - 512 + 31) // 32 = 16 grid origins 0..480, then the edge 488
    xs = axis_origins(1000, 512, 32)
    assert xs.tolist() == list(range(0, 481, 32)) + [488]


def test_box_rects_hand_made():
    # width 300, chip 100, stride 50: origins 0, 50, 100, 150, 200 (chips
    # end at 100 .. 300); height 100: one row
    xs, ys = axis_origins(300, 100, 50), axis_origins(100, 100, 50)
    assert xs.tolist() == [0, 50, 100, 150, 200] and ys.tolist() == [0]
    boxes = np.array(
        [
            [60, 10, 90, 40],  # in the chips at x 0 and 50
            [200, 0, 300, 100],  # exactly the last chip
            [0, 0, 120, 50],  # wider than a chip: empty (x0 > x1)
            [250, 0, 310, 10],  # past the right border: empty
            [100, 0, 100, 0],  # a point on a chip corner: x 0..2
        ],
        np.float32)
    rects = box_rects(boxes, xs, ys, 300, 100, 100)
    assert rects.dtype == np.int64
    assert rects.tolist() == [[0, 1, 0, 0], [4, 4, 0, 0], [1, 0, 0, 0],
                              [5, 4, 0, 0], [0, 2, 0, 0]]


@pytest.mark.parametrize('num,bits', [(1, 0), (2, 1), (3, 2), (4, 2), (5, 3),
                                      (1024, 10), (1025, 11)])
def test_make_hash_bits_and_state(num, bits):
    params, state = make_hash(5, num)
    mask, s1, m1, s2, m2, r1, r2, b = params
    assert b == bits and mask == (1 << bits) - 1
    assert max(s1, m1, s2, m2) <= max(mask, 1)
    assert m1 % 2 == 1 and m2 % 2 == 1  # odd multipliers: bijective
    assert (r1, r2) == (max(bits // 2, 1), max(bits // 3, 1))
    # four splitmix64 draws advance the state by four increments
    assert state == (5 + 4 * GOLDEN) & MASK64


def test_make_hash_is_splitmix64():
    """With 64 bits the parameters are the raw splitmix64 outputs of seed 0
    (the published test vector of Vigna's splitmix64.c)."""
    (mask, s1, m1, _, _, _, _, bits), _ = make_hash(0, 1 << 64)
    assert bits == 64 and mask == MASK64
    assert s1 == 0xE220A8397B1DCDAF
    assert m1 == 0x6E789E6AA1B965F4 | 1


@pytest.mark.parametrize('params,expected', [
    ((7, 0, 1, 0, 1, 4, 4, 3), [0, 1, 2, 3, 4, 5, 6, 7]),  # identity
    ((7, 0, 1, 3, 1, 4, 4, 3), [3, 4, 5, 6, 7, 0, 1, 2]),  # + 3 mod 8
    ((7, 5, 1, 0, 1, 4, 4, 3), [5, 4, 7, 6, 1, 0, 3, 2]),  # xor 5
    ((7, 0, 3, 0, 1, 4, 4, 3), [0, 3, 6, 1, 4, 7, 2, 5]),  # * 3 mod 8
    ((7, 0, 1, 0, 1, 1, 4, 3), [0, 1, 3, 2, 6, 7, 5, 4]),  # x ^ x >> 1
])
def test_hash_rank_hand_made(params, expected):
    out = hash_rank(np.arange(8), params)
    assert out.dtype == np.uint64 and out.tolist() == expected


def test_hash_rank_is_a_bijection():
    params, _ = make_hash(123, 1000)  # 10 bits
    out = hash_rank(np.arange(1024), params)
    assert sorted(out.tolist()) == list(range(1024))


def test_priority_rows_and_columns():
    """``priority = rank_y << bits_x | rank_x``: the high bits are constant
    along a row, the low bits along a column."""
    assert candidate_priority(9, 1, 1).tolist() == [[0]]
    p = candidate_priority(9, 5, 3).astype(np.int64)  # bits_x = 3
    assert p.shape == (3, 5)
    assert (p >> 3 == (p >> 3)[:, :1]).all()
    assert (p & 7 == (p & 7)[:1]).all()
    # the ranks are distinct values of [0, 2^bits): 3 of 0..3, 5 of 0..7
    rows, cols = (p[:, 0] >> 3).tolist(), (p[0] & 7).tolist()
    assert len(set(rows)) == 3 and max(rows) < 4
    assert len(set(cols)) == 5 and max(cols) < 8


def test_prune_redundant_hand_made():
    chips = np.array([[0, 0, 100, 100], [50, 0, 150, 100],
                      [100, 0, 200, 100]], np.int32)
    boxes = np.array([[10, 10, 12, 12], [60, 10, 62, 12],
                      [140, 10, 142, 12], [0, 0, 500, 500]], np.float32)
    box_chip = np.array([0, 1, 2, -1])
    # chip 2 (visited first): its box is inside chip 1 -> dropped, the box
    # moves to chip 1; chip 1 keeps the box at x 140 (chip 2 is gone);
    # chip 0 holds the box at x 10 that no other chip holds
    keep, new = prune_redundant_ref(boxes, chips, box_chip)
    assert keep.tolist() == [True, True, False]
    assert new.tolist() == [0, 1, 1, -1]
    assert box_chip.tolist() == [0, 1, 2, -1]  # the input is not changed
    # fewer than two chips: nothing to prune
    keep, new = prune_redundant_ref(boxes[:1], chips[:1], box_chip[:1])
    assert keep.tolist() == [True] and new.tolist() == [0]


def test_reference_hand_made():
    # the chip at x 50 holds both boxes, every other at most one
    boxes = np.array([[60, 10, 90, 40], [110, 10, 140, 40]], np.float64)
    for seed in (0, 7):
        for prune in (False, True):
            chips, box_chip = chip_cover_ref(boxes, 300, 100, 100, 50, seed,
                                             prune)
            assert chips.dtype == np.int32 and box_chip.dtype == np.int64
            assert chips.tolist() == [[50, 0, 150, 100]]
            assert box_chip.tolist() == [0, 0]
    chips, box_chip = chip_cover_ref(np.zeros((0, 4)), 300, 100, 100, 50, 0)
    assert chips.shape == (0, 4) and box_chip.shape == (0, )


def spec_cover(boxes, width, height, chip, stride, seed):
    """Transcription of spec 1.4 (dense containment, shuffled candidates,
    first strict max): the slow definition both implementations follow."""
    xs, ys = axis_origins(width, chip, stride), axis_origins(height, chip,
                                                             stride)
    cands = [(x, y, min(x + chip, width), min(y + chip, height)) for y in ys
             for x in xs]
    order = np.argsort(candidate_priority(seed, len(xs),
                                          len(ys)).ravel())  # the shuffle
    c = np.array(cands, dtype=np.float64)[order]
    b = boxes.astype(np.float64)
    inside = ((c[:, None, 0] <= b[None, :, 0]) & (b[None, :, 2] <= c[:, None,
                                                                      2])
              & (c[:, None, 1] <= b[None, :, 1])
              & (b[None, :, 3] <= c[:, None, 3]))
    uncovered = np.ones(len(boxes), bool)
    chips, box_chip = [], np.full(len(boxes), -1, np.int64)
    while True:
        counts = (inside & uncovered).sum(axis=1)
        best = 0
        for k in range(len(c)):  # first strict max in shuffled order
            if counts[k] > counts[best]:
                best = k
        if len(c) == 0 or counts[best] == 0:
            break
        hit = inside[best] & uncovered
        box_chip[hit] = len(chips)
        uncovered &= ~hit
        chips.append(c[best])
    return np.array(chips, np.int32).reshape(-1, 4), box_chip



def test_prune_hand_made():
    # the middle chip covers 4 boxes and is picked first; the chips for A
    # and F cover its boxes too, so pruning drops it.
    boxes = np.array([[10, 10, 12, 12], [60, 10, 62, 12], [90, 10, 92, 12],
                      [110, 10, 112, 12], [140, 10, 142, 12],
                      [145, 10, 160, 12]], np.float32)
    for seed in range(5):
        chips, box_chip = chip_cover_ref(boxes, 300, 100, 100, 50, seed)
        assert chips[0].tolist() == [50, 0, 150, 100] and len(chips) == 3
        pchips, pbox = chip_cover_ref(boxes, 300, 100, 100, 50, seed, True)
        assert sorted(pchips.tolist()) == [[0, 0, 100, 100],
                                           [100, 0, 200, 100]]
        check_cover(boxes, pchips, pbox, 300, 100, 100)
        assert (pbox >= 0).all()
        if EXT_AVAILABLE:
            out = chip_cover(boxes, 300, 100, 100, 50, seed, True,
                             backend='ext')
            np.testing.assert_array_equal(out[0], pchips)
            np.testing.assert_array_equal(out[1], pbox)


def test_reference_is_the_spec():
    """The reference equals the dense transcription of spec 1.4."""
    for seed in range(40):
        rng = np.random.default_rng(seed)
        width, height = (int(v) for v in rng.integers(50, 1600, 2))
        chip = int(rng.choice([64, 200, 512]))
        stride = int(rng.integers(4, chip // 2 + 1))
        boxes = random_boxes(rng, int(rng.integers(0, 40)), width, height, 2,
                             chip)
        ref = chip_cover_ref(boxes, width, height, chip, stride, seed)
        spec = spec_cover(boxes, width, height, chip, stride, seed)
        np.testing.assert_array_equal(ref[0], spec[0])
        np.testing.assert_array_equal(ref[1], spec[1])


def test_priority_is_a_permutation():
    for nx, ny in ((1, 1), (2, 1), (1, 3), (17, 5), (1000, 3), (64, 64),
                   (130, 77)):
        for seed in (0, 1, 2**62 + 7):
            p = candidate_priority(seed, nx, ny)
            assert p.shape == (ny, nx)
            assert len(np.unique(p)) == nx * ny
            assert p.max() < 2**32
    a = candidate_priority(1, 100, 100)
    assert not np.array_equal(a, candidate_priority(2, 100, 100))
    np.testing.assert_array_equal(a, candidate_priority(1, 100, 100))


def test_single_box_winner_is_uniform():
    """For the candidates holding one box (a rectangle of the grid), each
    is the winner about equally often over seeds, as with a full shuffle."""
    boxes = np.array([[160, 100, 200, 140]], np.float32)
    xs = axis_origins(400, 64, 8)  # holders: x in 136..160, y in 80..96
    wins = np.zeros((3, 4), int)
    n = 2400
    for seed in range(n):
        chips, _ = chip_cover_ref(boxes, 400, 400, 64, 8, seed)
        ix = np.searchsorted(xs, chips[0, 0]) - np.searchsorted(xs, 136)
        iy = np.searchsorted(xs, chips[0, 1]) - np.searchsorted(xs, 80)
        wins[iy, ix] += 1
    assert wins.sum() == n
    assert wins.min() > n / 12 * 0.7 and wins.max() < n / 12 * 1.3
