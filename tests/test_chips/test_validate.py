# Copyright (c) mmsniper contributors. All rights reserved.
"""Chip parameters (:mod:`mmsniper.chips.validate`): stride ranges, seeds
and per-scale counts, with the ``ValueError`` naming each problem."""
import numpy as np
import pytest

from mmsniper.chips.validate import as_per_scale, as_rng, as_stride


@pytest.mark.parametrize('stride,chip_size,expected', [
    (32, 512, (32, 32)),
    (1, 512, (1, 1)),  # the bounds are inclusive
    (512, 512, (512, 512)),
    (np.int64(16), 512, (16, 16)),
    (16.0, 512, (16, 16)),  # an integral float
    ((16, 64), 512, (16, 64)),
    ([8, 8], 8, (8, 8)),  # a list, lo == hi == chip_size
])
def test_as_stride(stride, chip_size, expected):
    out = as_stride(stride, chip_size)
    assert out == expected and all(type(v) is int for v in out)


@pytest.mark.parametrize('stride,match', [
    ((16, ), r'stride must be an int or a \(lo, hi\) range, got \(16,\)'),
    ([8, 16, 32], 'stride must be an int or a'),
    ((64, 16), r'stride range \(64, 16\) has lo > hi'),
    ((0, 16), r'stride low must be in \[1, 512\], got 0'),
    ((16, 513), r'stride high must be in \[1, 512\], got 513'),
    (0, r'stride must be in \[1, 512\], got 0'),
    (513, r'stride must be in \[1, 512\], got 513'),
    (2.5, 'stride must be an integer'),
    (True, 'stride must be an integer'),
    ('32', 'stride must be an integer'),
])
def test_as_stride_errors(stride, match):
    with pytest.raises(ValueError, match=match):
        as_stride(stride, 512)


def test_as_rng():
    gen = np.random.default_rng(0)
    assert as_rng(gen) is gen  # used as is: the caller's stream advances
    for seed in (5, np.int32(5), 5.0):
        assert as_rng(seed).random() == np.random.default_rng(5).random()
    assert as_rng(0).random() == np.random.default_rng(0).random()
    seq = np.random.SeedSequence(3)
    assert as_rng(seq).random() == np.random.default_rng(
        np.random.SeedSequence(3)).random()
    assert isinstance(as_rng(None), np.random.Generator)
    with pytest.raises(ValueError, match=r'seed must be in \[0, inf\]'):
        as_rng(-1)
    with pytest.raises(ValueError, match='seed must be an integer'):
        as_rng(0.5)
    with pytest.raises(ValueError, match='seed must be an integer'):
        as_rng(True)


def test_as_per_scale():
    out = as_per_scale('num_neg', None, 3, (1, 2, 3))
    assert out.dtype == np.int64 and out.tolist() == [1, 2, 3]
    assert as_per_scale('num_neg', 2, 3, (0, 0, 0)).tolist() == [2, 2, 2]
    assert as_per_scale('num_neg', np.int32(4), 2, (0, 0)).tolist() == [4, 4]
    assert as_per_scale('num_neg', [0, 7], 2, (1, 1)).tolist() == [0, 7]
    assert as_per_scale('num_neg', np.array([3]), 1, (1, )).tolist() == [3]
    assert as_per_scale('num_neg', [], 0, ()).tolist() == []
    # the default is also checked against the number of scales
    with pytest.raises(ValueError, match=r'num_neg needs one value per '
                       r'scale \(3\), got \[1, 2\]'):
        as_per_scale('num_neg', None, 3, (1, 2))
    with pytest.raises(ValueError, match=r'one value per scale \(2\)'):
        as_per_scale('num_neg', [1, 2, 3], 2, (0, 0))
    with pytest.raises(ValueError, match=r'num_neg must be in \[0, inf\], '
                       'got -1'):
        as_per_scale('num_neg', [1, -1], 2, (0, 0))
    with pytest.raises(ValueError, match='num_neg must be an integer'):
        as_per_scale('num_neg', [1, 1.5], 2, (0, 0))
