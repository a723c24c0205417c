# Copyright (c) mmsniper contributors. All rights reserved.
"""Valid ranges: the training rule (``lo <= size < hi``), the test-time
rule (``lo**2 < area <= hi**2``), their parsers and the open bounds."""
import math

import numpy as np
import pytest
import torch

from mmsniper.chips.valid_ranges import (check_valid_ranges, in_range_masks,
                                         normalize_valid_ranges, open_bounds,
                                         valid_range_filter)


def test_valid_ranges():
    r = normalize_valid_ranges(((-1, 80), (32, 150), (120, -1)), 3)
    np.testing.assert_array_equal(r, [[0, 80], [32, 150], [120, math.inf]])
    sizes = np.array([0., 31.9, 32., 79.9, 80., 119., 120., 1e5])
    m = in_range_masks(sizes, r)
    np.testing.assert_array_equal(m[:, 0], [1, 1, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(m[:, 1], [0, 0, 1, 1, 1, 1, 1, 0])
    np.testing.assert_array_equal(m[:, 2], [0, 0, 0, 0, 0, 0, 1, 1])


@pytest.mark.parametrize('ranges, n, match', [
    (((-1, 80), ), 2, 'valid ranges given for 2 scales'),
    (((80, 20), ), 1, 'lo < hi'),
    (((-5, 20), ), 1, 'lo < hi'),
    ((80, ), 1, 'pair'),
    (((1, 2, 3), ), 1, 'pair'),
    (((float('nan'), 3), ), 1, 'lo < hi'),
])
def test_bad_valid_ranges(ranges, n, match):
    with pytest.raises(ValueError, match=match):
        normalize_valid_ranges(ranges, n)


def _boxes_of_sides(sides):
    """Boxes at the origin with the given (w, h) sides."""
    return np.array([[0, 0, w, h] for w, h in sides], dtype=np.float32)


# yapf: disable
# the test valid ranges of spec 4 (orig px), with boxes on the boundaries
RANGE_CASES = [
    ((-1, 90), [(90, 90), (91, 90), (1, 1), (0, 5)],
     [True, False, True, True]),
    ((32, 180), [(32, 32), (33, 32), (180, 180), (181, 180), (16, 64)],
     [False, True, True, False, False]),
    ((75, -1), [(75, 75), (76, 75), (1000, 1000)],
     [False, True, True]),
    ((0, np.inf), [(0, 0), (5, 5)], [True, True]),
    ((None, 10), [(10, 10), (11, 10)], [True, False]),
]
# yapf: enable


@pytest.mark.parametrize('valid_range, sides, expected', RANGE_CASES)
def test_valid_range_filter(valid_range, sides, expected):
    boxes = _boxes_of_sides(sides) + 7  # translation does not matter
    keep = valid_range_filter(boxes, valid_range)
    assert keep.dtype == bool and keep.tolist() == expected
    keep = valid_range_filter(torch.from_numpy(boxes), valid_range)
    assert keep.dtype == torch.bool and keep.tolist() == expected


def test_valid_range_filter_edge_cases():
    empty = np.zeros((0, 4), np.float32)
    assert valid_range_filter(empty, (32, 180)).shape == (0, )
    with pytest.raises(ValueError, match='pair'):
        valid_range_filter(empty, (32, 180, 3))


def test_open_bounds():
    assert open_bounds(-1, -1) == (0., math.inf)
    assert open_bounds(None, 0) == (0., math.inf)
    assert open_bounds(32, np.inf) == (32., math.inf)
    assert open_bounds(0, 90) == (0., 90.)


def test_check_valid_ranges():
    assert check_valid_ranges(None, 2, 'x') == [None, None]
    assert check_valid_ranges([[-1, 90], None], 2, 'x') == [(-1, 90), None]
    assert check_valid_ranges([(0, -1)], 1, 'x') == [(0, -1)]
    with pytest.raises(ValueError, match=r'x: valid range \(90, 32\) has'):
        check_valid_ranges([(90, 32)], 1, 'x')
    with pytest.raises(ValueError, match='x: 1 valid ranges for 2 scales'):
        check_valid_ranges([(1, 2)], 2, 'x')
    with pytest.raises(ValueError, match='not a'):
        check_valid_ranges([(1, True)], 1, 'x')


def test_boundary_box_train_vs_test():
    """A 32 x 32 box at the range (32, 150): in range for training (the
    lower bound is inclusive), out at test time (strict), as the original;
    a 150 x 150 box the other way round."""
    boxes = np.array([[0, 0, 32, 32], [0, 0, 150, 150]], np.float64)
    ranges = normalize_valid_ranges(((32, 150), ), 1)
    sizes = np.sqrt((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
    assert in_range_masks(sizes, ranges)[:, 0].tolist() == [True, False]
    assert valid_range_filter(boxes, (32, 150)).tolist() == [False, True]
