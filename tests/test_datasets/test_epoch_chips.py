# Copyright (c) mmsniper contributors. All rights reserved.
"""The chips of one epoch (:mod:`mmsniper.datasets.epoch_chips`) on the
four hand-made toy images: positive chips are the chip engine's, seeded
by ``(seed, epoch, image index)``; images without a valid box get none;
negative chips are NegChipMine's; the NegChipMine config forms."""
from types import SimpleNamespace

import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.chips import generate_chips
from mmsniper.datasets.epoch_chips import (NEG_SEED_KEY, build_neg_chip_mine,
                                           chip_of_epoch, chips_of_images,
                                           generate_epoch_chips)
from mmsniper.datasets.transforms import NegChipMine, pos_chip_keys
from mmsniper.testing.sniper_toy import (TOY_CHIP_CFG, TOY_IMAGES,
                                         proposal_cluster)
from mmsniper.utils.seeding import derive_seed

init_default_scope('mmdet')


class _Anns(SimpleNamespace):
    """The annotation table of toy image specs (as ``SniperDataset._anns``:
    ``img_ids``, ``boxes``, ``shapes``, ``ignore``)."""

    def __init__(self, images=TOY_IMAGES) -> None:
        boxes = [np.asarray(s['boxes'], np.float32).reshape(-1, 4)
                 for s in images]
        super().__init__(
            img_ids=list(range(1, len(images) + 1)), boxes=boxes,
            shapes=np.array([[s['h'], s['w']] for s in images], np.int64),
            ignore=[np.asarray(s.get('crowd', [False] * len(b)), bool)
                    for s, b in zip(images, boxes)])

    def __len__(self) -> int:
        return len(self.img_ids)


def _engine(anns, i, seed=0, epoch=0):
    return generate_chips(anns.boxes[i],
                          tuple(int(v) for v in anns.shapes[i]),
                          gt_ignore_flags=anns.ignore[i],
                          seed=np.random.SeedSequence([seed, epoch, i]),
                          **TOY_CHIP_CFG)


def _mine():
    return build_neg_chip_mine(dict(num_neg_chips=1, min_proposals=(3, 3)),
                               TOY_CHIP_CFG)


def test_only_the_image_with_valid_boxes_gets_chips():
    """A: one chip per scale. B (no box), C (crowd only) and D (out of
    range at both scales): none."""
    anns = _Anns()
    out = chips_of_images(inds=range(4), img_ids=anns.img_ids,
                          boxes=anns.boxes, shapes=anns.shapes,
                          ignore=anns.ignore, props=None, seed=0, epoch=0,
                          chip_cfg=TOY_CHIP_CFG, mine=None)
    np.testing.assert_array_equal(out['img'], [0, 0])
    np.testing.assert_array_equal(out['scale'], [0, 1])
    np.testing.assert_array_equal(out['factor'], [2.0, 1.0])
    np.testing.assert_array_equal(out['neg'], [False, False])
    # scale 1 is the whole 160 x 120 image; a chip of 64 at scale 2
    np.testing.assert_array_equal(out['chip_scaled'][1], [0, 0, 160, 120])
    np.testing.assert_array_equal(out['chip'][1], [0, 0, 160, 120])
    w, h = np.diff(out['chip_scaled'][0].reshape(2, 2), axis=0)[0]
    assert (w, h) == (64, 64)
    np.testing.assert_allclose(out['chip'][0],
                               out['chip_scaled'][0] / 2.0)
    # pixels of the padded input: max(side, chip_size) squared
    np.testing.assert_array_equal(out['pixels'], [64 * 64, 120 * 160])
    # the 16 x 12 box at scale 2, the 50 x 60 box at scale 1
    np.testing.assert_array_equal(out['valid_ptr'], [0, 1, 2])
    np.testing.assert_array_equal(out['valid'], [0, 1])
    assert out['valid'].dtype == np.int64
    # nothing at all for B, C, D
    assert chips_of_images(inds=[1, 2, 3], img_ids=anns.img_ids[1:],
                           boxes=anns.boxes[1:], shapes=anns.shapes[1:],
                           ignore=anns.ignore[1:], props=None, seed=0,
                           epoch=0, chip_cfg=TOY_CHIP_CFG, mine=None) is None


def test_epoch_chips_are_the_engine_chips_seeded_per_image():
    """Chips of image ``i`` (five copies of A, in four jobs) are
    ``generate_chips`` seeded by ``(seed, epoch, i)``; a second call
    gives the same columns."""
    anns = _Anns([TOY_IMAGES[0]] * 5)
    out = generate_epoch_chips(anns, None, seed=3, epoch=2,
                               chip_cfg=TOY_CHIP_CFG)
    assert set(out) == {'img', 'chip', 'chip_scaled', 'scale', 'factor',
                        'neg', 'valid', 'valid_ptr', 'pixels'}
    rows = 0
    for i in range(5):
        res = _engine(anns, i, seed=3, epoch=2)
        sel = out['img'] == i
        np.testing.assert_array_equal(out['chip_scaled'][sel],
                                      res.chips_scaled)
        np.testing.assert_array_equal(out['scale'][sel], res.scale_inds)
        for k, v in zip(np.flatnonzero(sel), res.valid_inds):
            info = chip_of_epoch(out, k, 64)
            np.testing.assert_array_equal(info['chip_valid_inds'], v)
        rows += len(res)
    assert len(out['img']) == rows and len(out['valid_ptr']) == rows + 1
    again = generate_epoch_chips(anns, None, 3, 2, TOY_CHIP_CFG)
    for k in out:
        np.testing.assert_array_equal(again[k], out[k])


def test_no_chip_at_all_is_an_error():
    anns = _Anns(TOY_IMAGES[1:])
    with pytest.raises(RuntimeError, match='no chip in any of the 3 images '
                       'at epoch 4; check chip_cfg'):
        generate_epoch_chips(anns, None, 0, 4, TOY_CHIP_CFG)


def test_negative_chips_are_neg_chip_mine_on_the_positive_chips():
    anns = _Anns()
    props = [np.zeros((0, 5), np.float32), proposal_cluster(80, 60),
             None, proposal_cluster(35, 35, seed=2)]
    mine = _mine()
    out = generate_epoch_chips(anns, props, seed=1, epoch=5,
                               chip_cfg=TOY_CHIP_CFG, mine=mine)
    # A: positive chips only (no proposal); B and D: one negative each; C:
    # no proposals (an image the pre-flight check dropped)
    np.testing.assert_array_equal(out['img'], [0, 0, 1, 3])
    np.testing.assert_array_equal(out['neg'], [False, False, True, True])
    np.testing.assert_array_equal(out['valid_ptr'], [0, 1, 2, 2, 2])
    for i in (1, 3):
        res = _engine(anns, i, seed=1, epoch=5)
        exp = mine(dict(img_id=anns.img_ids[i], proposals=props[i],
                        chip_seed=derive_seed(1, 5, i, NEG_SEED_KEY),
                        **pos_chip_keys(res)))
        sel = out['img'] == i
        np.testing.assert_array_equal(out['chip_scaled'][sel],
                                      exp['neg_chips_scaled'])
        np.testing.assert_array_equal(out['chip'][sel], exp['neg_chips'])
        np.testing.assert_array_equal(
            out['factor'][sel],
            res.factors_per_scale[exp['neg_chip_scale_inds']])
    # without proposals or a miner: the positive chips alone
    for p, m in ((None, mine), (props, None)):
        plain = generate_epoch_chips(anns, p, 1, 5, TOY_CHIP_CFG, m)
        np.testing.assert_array_equal(plain['img'], [0, 0])


def test_chip_of_epoch_keys():
    chips = dict(img=np.array([4, 9]), chip=np.array([[0, 0, 8, 8],
                                                      [1, 2, 5, 6.5]]),
                 chip_scaled=np.array([[0, 0, 16, 16], [2, 4, 10, 13]]),
                 scale=np.array([0, 1]), factor=np.array([2.0, 0.5]),
                 neg=np.array([False, True]), valid=np.array([3, 5, 7]),
                 valid_ptr=np.array([0, 3, 3]))
    a = chip_of_epoch(chips, 0, 32)
    assert set(a) == {'img_idx', 'chip', 'chip_scaled', 'chip_scale_idx',
                      'chip_factor', 'chip_size', 'chip_is_negative',
                      'chip_valid_inds'}
    assert (a['img_idx'], a['chip_scale_idx'], a['chip_factor'],
            a['chip_size'], a['chip_is_negative']) == (4, 0, 2.0, 32, False)
    assert a['chip'].dtype == np.float32
    assert a['chip_scaled'].dtype == np.int32
    np.testing.assert_array_equal(a['chip_valid_inds'], [3, 5, 7])
    a['chip_valid_inds'][0] = -1  # a copy
    assert chips['valid'][0] == 3
    b = chip_of_epoch(chips, 1, 32)
    assert (b['img_idx'], b['chip_is_negative']) == (9, True)
    np.testing.assert_array_equal(b['chip'], [1, 2, 5, 6.5])
    assert b['chip_valid_inds'].size == 0


# ---------------------------------------------------- build_neg_chip_mine
def test_neg_chip_mine_takes_the_chip_geometry():
    mine = build_neg_chip_mine(None, TOY_CHIP_CFG)
    assert isinstance(mine, NegChipMine)
    assert mine.num_neg_chips == 2 and mine.min_proposals is None
    assert mine.chip_size == 64
    assert [list(r) for r in mine.valid_ranges] == [[-1, 24], [40, -1]]
    # generate_chips' defaults where chip_cfg has none
    default = build_neg_chip_mine(dict(type='NegChipMine'), {})
    assert default.chip_size == 512 and default.prune is True
    # an instance passes through when it agrees
    same = NegChipMine(valid_ranges=TOY_CHIP_CFG['valid_ranges'],
                       chip_size=64)
    assert build_neg_chip_mine(same, TOY_CHIP_CFG) is same
    # the geometry may be repeated when equal (tuples and lists alike)
    build_neg_chip_mine(dict(chip_size=64, valid_ranges=[[-1, 24],
                                                         [40, -1]]),
                        TOY_CHIP_CFG)


def test_the_old_neg_chip_cfg_maps_to_neg_chip_mine():
    old = build_neg_chip_mine(None, TOY_CHIP_CFG,
                              dict(num_neg_chips=1, neg_min_proposals=(3, 3)))
    assert repr(old) == repr(_mine())
    assert (old.num_neg_chips, old.min_proposals) == (1, (3, 3))


def test_bad_neg_chip_mine_configs():
    with pytest.raises(ValueError, match='only neg_chip_mine'):
        build_neg_chip_mine(dict(type='NegChipMine'), TOY_CHIP_CFG,
                            dict(num_neg_chips=1))
    with pytest.raises(KeyError, match='neg_chip_cfg has unknown keys'):
        build_neg_chip_mine(None, TOY_CHIP_CFG, dict(num_negs=1))
    with pytest.raises(ValueError,
                       match='chip_size=128 but the chips use 64'):
        build_neg_chip_mine(dict(type='NegChipMine', chip_size=128),
                            TOY_CHIP_CFG)
    with pytest.raises(ValueError, match='chip_size=128 but the chips use'):
        build_neg_chip_mine(
            NegChipMine(valid_ranges=TOY_CHIP_CFG['valid_ranges'],
                        chip_size=128), TOY_CHIP_CFG)
    with pytest.raises(ValueError,
                       match="must be a NegChipMine config, got "
                       "type='SnipChipCrop'"):
        build_neg_chip_mine(dict(type='SnipChipCrop'), TOY_CHIP_CFG)
