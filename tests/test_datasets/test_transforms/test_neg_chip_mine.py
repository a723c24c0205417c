"""NegChipMine: hand-made geometry (uncovered clusters give a negative chip,
covered or sparse ones do not), empty and missing proposals, seeds, repr."""
import unittest

import numpy as np
import pytest
from mmdet.registry import TRANSFORMS

import mmsniper  # noqa: F401
from mmsniper.chips import generate_chips, mine_negative_chips
from mmsniper.datasets.transforms import NegChipMine, pos_chip_keys

# one scale at factor 1, tiled (not the whole-image rule), 256 px chips
GEOMETRY = dict(valid_ranges=((-1, -1), ), chip_size=256,
                coarsest_whole_image=False)
POS_CHIP = [0, 0, 256, 256]


def _cluster(n, x0, y0, seed=0, spread=40, side=10):
    """``n`` boxes of ``side`` px with corners in ``[x0, x0 + spread]^2``,
    plus a score column."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, spread, (n, 2)) + [x0, y0]
    return np.concatenate([xy, xy + side, rng.uniform(0, 1, (n, 1))],
                          1).astype(np.float32)


def _results(proposals, seed=0, **kw):
    res = dict(
        img_id=7,
        proposals=proposals,
        img_shape=(1000, 1000),
        pos_chips_scaled=np.array([POS_CHIP], np.int32),
        pos_chip_scale_inds=np.array([0], np.int64),
        chip_scale_factors=np.array([1.0]),
        chip_stride=32,
        chip_seed=seed)
    res.update(kw)
    return res


class TestNegChipMine(unittest.TestCase):

    def setUp(self):
        self.mine = NegChipMine(min_proposals=25, **GEOMETRY)

    def test_uncovered_cluster_gives_a_negative_chip(self):
        props = _cluster(30, 600, 500)
        out = self.mine(_results(props))
        assert out['num_neg_candidates'] == 1
        assert out['neg_chips'].shape == (1, 4)
        assert out['neg_chips'].dtype == np.float32
        assert out['neg_chips_scaled'].dtype == np.int32
        assert out['neg_chip_scale_inds'].tolist() == [0]
        x1, y1, x2, y2 = out['neg_chips'][0]
        assert x2 - x1 == y2 - y1 == 256
        # every proposal of the cluster lies inside the chip
        assert (props[:, 0] >= x1).all() and (props[:, 2] <= x2).all()
        assert (props[:, 1] >= y1).all() and (props[:, 3] <= y2).all()
        # factor 1: scaled and original pixels agree
        np.testing.assert_array_equal(out['neg_chips'],
                                      out['neg_chips_scaled'])

    def test_cluster_covered_by_a_positive_chip_gives_none(self):
        out = self.mine(_results(_cluster(40, 60, 60)))
        assert out['num_neg_candidates'] == 0
        assert out['neg_chips'].shape == (0, 4)
        # both: only the uncovered cluster is mined
        both = np.concatenate([_cluster(40, 60, 60), _cluster(30, 600, 500)])
        out = self.mine(_results(both))
        assert out['num_neg_candidates'] == 1
        assert (out['neg_chips'][0, :2] > 256).all()

    def test_at_most_m_proposals_give_none(self):
        # kept only with more than M proposals (strict, as the original)
        for n, kept in ((20, 0), (25, 0), (26, 1)):
            out = self.mine(_results(_cluster(n, 600, 500)))
            assert len(out['neg_chips']) == kept, n
        # one M per scale works the same
        out = NegChipMine(min_proposals=(29, ), **GEOMETRY)(
            _results(_cluster(30, 600, 500)))
        assert len(out['neg_chips']) == 1
        # a wrong number of thresholds names the argument and the image
        with pytest.raises(ValueError, match=r'image 7.*min_proposals'):
            NegChipMine(min_proposals=(25, 10), **GEOMETRY)(
                _results(_cluster(30, 600, 500)))

    def test_empty_proposals_give_no_chip(self):
        for empty in (np.zeros((0, 5), np.float32), np.zeros((0, 4))):
            out = self.mine(_results(empty))
            assert out['neg_chips'].shape == (0, 4)
            assert out['neg_chips_scaled'].shape == (0, 4)
            assert out['neg_chip_scale_inds'].shape == (0, )
            assert out['num_neg_candidates'] == 0

    def test_missing_proposals_is_a_clear_error(self):
        res = _results(_cluster(30, 600, 500))
        del res['proposals']
        with pytest.raises(KeyError, match=r"'proposals'.*image 7"):
            self.mine(res)
        with pytest.raises(KeyError, match="'proposals'"):
            self.mine(_results(None))
        res = _results(_cluster(30, 600, 500))
        del res['chip_stride']
        with pytest.raises(KeyError, match='chip_stride'):
            self.mine(res)

    def test_bad_proposals_name_the_image(self):
        props = _cluster(30, 600, 500)
        props[3, 1] = np.nan
        with pytest.raises(ValueError, match=r'image 7.*proposals.*NaN'):
            self.mine(_results(props))
        with pytest.raises(ValueError, match='proposals must have shape'):
            self.mine(_results(np.zeros((4, 3), np.float32)))

    def test_out_of_image_proposals_are_clipped(self):
        # corners x in [970, 1010]: about a third wholly outside (dropped),
        # the ones crossing x = 1000 clipped there
        props = _cluster(60, 970, 600)
        inside = (props[:, 0] < 998).sum()
        assert 25 < inside < 60
        out = self.mine(_results(props))
        assert len(out['neg_chips']) == 1
        assert out['neg_chips'][0, 2] == 1000  # the chip ends at the border
        # with M just under the clipped count it is kept, at M = count not
        out = NegChipMine(min_proposals=int(inside), **GEOMETRY)(
            _results(props))
        assert len(out['neg_chips']) == 0

    def test_seeds(self):
        # four clusters far apart: four candidates, one sampled
        props = np.concatenate([
            _cluster(30, x, y, seed=k)
            for k, (x, y) in enumerate([(400, 50), (700, 50), (50, 500),
                                        (600, 700)])
        ])
        mine = NegChipMine(num_neg_chips=1, min_proposals=25, **GEOMETRY)
        picks = []
        for seed in range(12):
            a = mine(_results(props, seed=seed))
            b = mine(_results(props, seed=seed))
            assert a['num_neg_candidates'] == 4
            np.testing.assert_array_equal(a['neg_chips'], b['neg_chips'])
            picks.append(tuple(a['neg_chips'][0]))
        assert len(set(picks)) > 1  # different seeds can differ
        # without chip_seed: the seed argument, else numpy.random
        res = _results(props)
        del res['chip_seed']
        fixed = NegChipMine(num_neg_chips=1, min_proposals=25, seed=5,
                            **GEOMETRY)
        np.testing.assert_array_equal(
            fixed(dict(res))['neg_chips'],
            mine(_results(props, seed=5))['neg_chips'])
        np.random.seed(0)
        c = mine(dict(res))['neg_chips']
        np.random.seed(0)
        np.testing.assert_array_equal(c, mine(dict(res))['neg_chips'])

    def test_two_scales_from_generate_chips(self):
        """Keys from a generate_chips result; the transform gives the
        chips of mine_negative_chips with the same seed."""
        gt = np.array([[50, 50, 70, 70], [300, 300, 700, 650]], np.float32)
        cfg = dict(scales=(2.0, 0.5), valid_ranges=((-1, 64), (64, -1)),
                   chip_size=256, stride=(28, 31))
        res = generate_chips(gt, (1000, 1000), seed=3, **cfg)
        keys = pos_chip_keys(res)
        assert keys['pos_chip_scale_inds'].tolist() == [0, 1]
        props = _cluster(40, 800, 100, side=12)  # small: scale 0 only
        mine = TRANSFORMS.build(
            dict(type='NegChipMine', num_neg_chips=2, min_proposals=(25, 10),
                 valid_ranges=cfg['valid_ranges'], chip_size=256))
        out = mine(dict(proposals=props, chip_seed=11, **keys))
        assert out['neg_chip_scale_inds'].tolist() == [0]
        ref = mine_negative_chips(props, (1000, 1000),
                                  keys['pos_chips_scaled'],
                                  keys['pos_chip_scale_inds'],
                                  res.factors_per_scale,
                                  cfg['valid_ranges'], 256, res.stride,
                                  (25, 10), 2, 11)
        np.testing.assert_array_equal(out['neg_chips'], ref.chips)
        # scale 0 chips are 256 scaled px = 128 original px
        np.testing.assert_allclose(
            out['neg_chips'][0, 2:] - out['neg_chips'][0, :2], [128, 128])
        assert (out['neg_chips'][0, :2] <= props[:, :2].min(0)).all()

    def test_bad_args(self):
        with pytest.raises(ValueError, match='num_neg_chips'):
            NegChipMine(num_neg_chips=-1)
        with pytest.raises(ValueError, match='min_proposals'):
            NegChipMine(min_proposals=(25, -1))
        with pytest.raises(ValueError, match='backend'):
            NegChipMine(backend='gpu')
        with pytest.raises(ValueError, match='valid range'):
            NegChipMine(valid_ranges=((80, 10), ))

    def test_repr(self):
        assert repr(NegChipMine()) == (
            'NegChipMine(num_neg_chips=2, min_proposals=None, '
            'valid_ranges=((-1, 80), (32, 150), (120, -1)), chip_size=512, '
            'prune=True, coarsest_whole_image=True, min_box_side=2.0, '
            "backend='auto', seed=None)")
        assert repr(NegChipMine(num_neg_chips=1, min_proposals=[3, 4],
                                seed=2)).startswith(
            'NegChipMine(num_neg_chips=1, min_proposals=(3, 4), ')
