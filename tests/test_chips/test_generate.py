# Copyright (c) mmsniper contributors. All rights reserved.
import numpy as np
import pytest
import torch

from mmsniper.chips import ChipResult, generate_chips
from mmsniper.ops import EXT_AVAILABLE

needs_ext = pytest.mark.skipif(
    not EXT_AVAILABLE, reason='mmsniper._ext is not built')


def random_image(rng, n=None, size=(500, 2500)):
    h, w = (int(v) for v in rng.integers(size[0], size[1], 2))
    n = int(rng.integers(0, 80)) if n is None else n
    s = np.exp(rng.uniform(np.log(4), np.log(700), n))
    xy = rng.uniform(-30, [w, h], (n, 2))
    gt = np.hstack([xy, xy + s[:, None] * rng.uniform(0.6, 1.6, (n, 2))])
    return gt.astype(np.float32), (h, w)


def assert_same(a: ChipResult, b: ChipResult):
    for f in ('chips', 'chips_scaled', 'scale_inds', 'factors',
              'is_negative', 'chip_shapes', 'gt_valid', 'gt_chip',
              'gt_dropped'):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), f)
    for f in ('valid_inds', 'invalid_inds'):
        assert [v.tolist() for v in getattr(a, f)] == \
            [v.tolist() for v in getattr(b, f)], f
    assert a.stride == b.stride


def test_docstring_example():
    gt = np.array([[100, 100, 130, 120], [400, 300, 700, 560]], np.float32)
    res = generate_chips(gt, (800, 1000), seed=0)
    assert res.scale_inds.tolist() == [0, 2]
    assert [v.tolist() for v in res.valid_inds] == [[0], [1]]
    assert [v.tolist() for v in res.invalid_inds] == [[], [0]]
    # coarsest chip: whole image, true resized size
    np.testing.assert_allclose(res.chips[1], [0, 0, 1000, 800])
    assert res.chip_shapes[1].tolist() == [409, 512]
    assert res.chip_shapes[0].tolist() == [512, 512]
    assert res.chips.dtype == np.float32
    assert 'pos_per_scale=[1, 0, 1]' in repr(res)


def test_determinism_and_seeds():
    rng = np.random.default_rng(0)
    gt, shape = random_image(rng, 60)
    a = generate_chips(gt, shape, seed=7, stride=(56, 59))
    assert_same(a, generate_chips(gt, shape, seed=7, stride=(56, 59)))
    assert 56 <= a.stride <= 59
    strides = {
        generate_chips(gt, shape, seed=s, stride=(56, 59)).stride
        for s in range(20)
    }
    assert len(strides) > 1
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert_same(generate_chips(gt, shape, seed=g1),
                generate_chips(gt, shape, seed=g2))
    ss = np.random.SeedSequence([1, 2, 3])
    assert_same(generate_chips(gt, shape, seed=ss),
                generate_chips(gt, shape,
                               seed=np.random.SeedSequence([1, 2, 3])))


@needs_ext
def test_backends_agree():
    rng = np.random.default_rng(1)
    for seed in range(15):
        gt, shape = random_image(rng)
        props = random_image(rng, 200, size=(shape[0], shape[0] + 1))[0]
        kw = dict(seed=seed, proposals=props, stride=(24, 40))
        assert_same(generate_chips(gt, shape, backend='ext', **kw),
                    generate_chips(gt, shape, backend='numpy', **kw))


def test_full_coverage_random():
    rng = np.random.default_rng(2)
    for seed in range(30):
        gt, shape = random_image(rng)
        res = generate_chips(gt, shape, seed=seed, prune=bool(seed % 2))
        assert ((res.gt_chip >= 0) == res.gt_valid).all()
        for s in range(3):
            for i in np.flatnonzero(res.gt_valid[:, s]):
                k = res.gt_chip[i, s]
                assert res.scale_inds[k] == s and i in res.valid_inds[k]


def test_edge_cases():
    # empty
    res = generate_chips(np.zeros((0, 4)), (600, 800))
    assert len(res) == 0 and res.chips.shape == (0, 4)
    assert res.gt_valid.shape == (0, 3)
    res = generate_chips(None, (600, 800))
    assert len(res) == 0
    # outside / degenerate boxes are dropped, partly outside ones clipped
    gt = np.array([
        [-50, -50, -10, -10],  # wholly outside
        [10, 10, 10, 40],  # zero width
        [30, 30, 20, 50],  # negative width
        [-10, 5, 20, 25],  # partly outside: clipped to [0, 5, 20, 25]
        [790, 590, 900, 700],  # partly outside, 10 x 10 inside
    ], np.float32)
    res = generate_chips(gt, (600, 800))
    assert res.gt_dropped.tolist() == [True, True, True, False, False]
    assert not res.gt_valid[:3].any()
    assert res.gt_valid[3, 0] and res.gt_valid[4, 0]
    # an image smaller than a chip at every scale
    res = generate_chips(np.array([[10, 10, 30, 30]]), (100, 120))
    assert res.chips_scaled.tolist() == [[0, 0, 360, 300]]
    assert res.chip_shapes.tolist() == [[300, 360]]
    np.testing.assert_allclose(res.chips, [[0, 0, 120, 100]])


def test_input_types():
    gt = np.array([[100, 100, 130, 120], [400, 300, 700, 560]])
    ref = generate_chips(gt.astype(np.float32), (800, 1000), seed=0)
    for x in (gt, gt.tolist(), torch.from_numpy(gt),
              torch.from_numpy(gt).double()):
        assert_same(ref, generate_chips(x, (800, 1000, 3), seed=0))

    class Boxes:  # mmdet BaseBoxes-like
        tensor = torch.from_numpy(gt).float()

    assert_same(ref, generate_chips(Boxes(), torch.Size([800, 1000]),
                                    seed=0))


@pytest.mark.parametrize('kwargs, match', [
    (dict(gt_bboxes=np.array([[0, 0, np.nan, 5]])), 'gt_bboxes.*NaN'),
    (dict(gt_bboxes=np.array([[0, 0, np.inf, 5]])), 'gt_bboxes.*inf'),
    (dict(gt_bboxes=np.zeros((2, 3))), r'gt_bboxes must have shape'),
    (dict(gt_bboxes=np.zeros((2, 4), bool)), 'dtype'),
    (dict(gt_bboxes='boxes'), 'gt_bboxes'),
    (dict(gt_bboxes=[[0, 0, 'a', 1]]), 'gt_bboxes'),
    (dict(gt_bboxes=torch.zeros(1, 4, device='meta')), 'device'),
    (dict(img_shape=(0, 100)), 'height'),
    (dict(img_shape=(100, )), 'img_shape'),
    (dict(img_shape='100x100'), 'img_shape'),
    (dict(img_shape=(100.5, 100)), 'height'),
    (dict(scales=()), 'scales'),
    (dict(scales=(3.0, 1.0), valid_ranges=((-1, 80), )), 'valid ranges'),
    (dict(scales=('x3', )), 'scale'),
    (dict(chip_size=0), 'chip_size'),
    (dict(stride=0), 'stride'),
    (dict(stride=513), 'stride'),
    (dict(stride=(60, 50)), 'stride range'),
    (dict(stride=(1, 2, 3)), 'stride'),
    (dict(num_neg_chips=-1), 'num_neg_chips'),
    (dict(seed=-1), 'seed'),
    (dict(seed='a'), 'seed'),
    (dict(gt_ignore_flags=np.zeros(3, bool)), 'gt_ignore_flags'),
    (dict(backend='gpu'), 'backend'),
    (dict(img_shape=(200000, 200000), stride=4), 'candidate chips'),
])
def test_bad_inputs(kwargs, match):
    args = dict(gt_bboxes=np.array([[10, 10, 20, 20]], np.float32),
                img_shape=(600, 800))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        generate_chips(**args)


@needs_ext
def test_huge_image():
    """20000 x 20000 with 5000 boxes: bounded memory and time."""
    import resource
    import time
    rng = np.random.default_rng(0)
    n = 5000
    s = np.exp(rng.uniform(np.log(4), np.log(800), n))
    xy = rng.uniform(0, 20000, (n, 2))
    gt = np.hstack([xy, xy + s[:, None]])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    res = generate_chips(gt, (20000, 20000), seed=0)
    elapsed = time.perf_counter() - t
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss -
                before) / 1024
    assert ((res.gt_chip >= 0) == res.gt_valid).all()
    assert res.gt_valid.any(axis=1).mean() > 0.95
    assert grown_mb < 500, grown_mb
    assert elapsed < 30, elapsed
