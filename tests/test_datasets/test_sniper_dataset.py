"""SniperDataset: per-epoch chip lists, epoch length, samples, negatives and
bad inputs."""
import os.path as osp

import mmengine
import numpy as np
import pytest
from mmengine.dataset import ConcatDataset
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.chips import generate_chips
from mmsniper.datasets import SniperDataset, load_proposals, save_proposals
from mmsniper.datasets.epoch_chips import NEG_SEED_KEY
from mmsniper.datasets.preflight import PreflightError
from mmsniper.datasets.proposals import ProposalFileError
from mmsniper.datasets.transforms import NegChipMine, pos_chip_keys
from mmsniper.testing.sniper_toy import (SYN_CHIP_CFG, TOY_CHIP_CFG,
                                         TOY_IMAGES, chip_pipeline,
                                         proposal_cluster, toy_dataset_cfg,
                                         write_toy_coco)
from mmsniper.utils.seeding import derive_seed

init_default_scope('mmdet')


def _syn_dataset(root, **kw):
    inner = dict(
        type='SyntheticScaleDataset',
        data_root=root + '/',
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=chip_pipeline())
    return SniperDataset(inner, chip_cfg=SYN_CHIP_CFG, **kw)


@pytest.fixture(scope='module')
def toy_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('toy'))
    write_toy_coco(root, TOY_IMAGES)
    return root


def _toy_proposals(path, ids=(1, 2, 3, 4), bad=None):
    props = {
        1: np.zeros((0, 5), np.float32),
        2: proposal_cluster(80, 60),
        3: proposal_cluster(30, 30, seed=1),
        4: proposal_cluster(35, 35, seed=2)
    }
    props = {k: v for k, v in props.items() if k in ids}
    if bad is not None:
        props.update(bad)
    if bad is None:
        save_proposals(path, props)
    else:  # bypass save_proposals' checks
        mmengine.dump(
            dict(format='mmsniper.proposals', version=1, proposals=props),
            path)
    return path


# ---------------------------------------------------------------- synthetic
def test_epoch_chips_are_the_chip_engine_chips(tiny_synthetic_root):
    ds = _syn_dataset(tiny_synthetic_root, seed=3)
    anns = ds._anns
    expected = {}
    for i in range(len(anns)):
        res = generate_chips(
            anns.boxes[i],
            tuple(anns.shapes[i]),
            gt_ignore_flags=anns.ignore[i],
            seed=np.random.SeedSequence([3, 0, i]),
            **SYN_CHIP_CFG)
        for k in range(len(res)):
            expected[(i, tuple(res.chips_scaled[k]))] = (
                res.scale_inds[k], res.valid_inds[k])
    assert len(ds) == len(expected) == ds.stats['num_chips']
    seen = set()
    for idx in range(len(ds)):
        c = ds.get_chip_info(idx)
        key = (c['img_idx'], tuple(c['chip_scaled']))
        scale, valid = expected[key]
        assert c['chip_scale_idx'] == scale
        np.testing.assert_array_equal(c['chip_valid_inds'], valid)
        seen.add(key)
    assert len(seen) == len(ds)  # each chip exactly once in epoch 0


def test_rebuilt_every_epoch_identically_on_every_rank(tiny_synthetic_root):
    a = _syn_dataset(tiny_synthetic_root)
    b = _syn_dataset(tiny_synthetic_root, lazy_init=True)
    n = len(a)
    c0 = dict(a._chips)
    chips0 = a._chips['chip_scaled'].copy()
    a.set_epoch(1)
    b.set_epoch(1)
    assert len(a) == len(b) == n  # the length of epoch 0 is kept
    for k in ('chip_scaled', 'img', 'valid'):
        np.testing.assert_array_equal(a._chips[k], b._chips[k])
    np.testing.assert_array_equal(a._index, b._index)
    assert not (len(a._chips['chip_scaled']) == len(chips0)
                and (a._chips['chip_scaled'] == chips0).all())
    a.set_epoch(0)
    np.testing.assert_array_equal(a._chips['chip_scaled'], chips0)
    # chip generation in worker processes gives the same list
    d = _syn_dataset(tiny_synthetic_root, chip_workers=2)
    for k in ('chip_scaled', 'img', 'valid', 'valid_ptr', 'pixels'):
        np.testing.assert_array_equal(d._chips[k], c0[k])
    c = _syn_dataset(tiny_synthetic_root, seed=1)
    assert not (len(c._chips['chip_scaled']) == len(chips0)
                and (c._chips['chip_scaled'] == chips0).all())


def test_epoch_length_rule(tiny_synthetic_root):
    full = _syn_dataset(tiny_synthetic_root)
    m = len(full)
    short = _syn_dataset(tiny_synthetic_root, epoch_length=5)
    assert len(short) == 5 and short.stats['dropped'] == m - 5
    assert len(set(short._index.tolist())) == 5
    long = _syn_dataset(tiny_synthetic_root, epoch_length=m + 7)
    assert len(long) == m + 7 and long.stats['repeated'] == 7
    assert set(long._index.tolist()) == set(range(m))
    with pytest.raises(IndexError):
        long.get_chip_info(m + 7)
    with pytest.raises(ValueError, match='epoch_length'):
        _syn_dataset(tiny_synthetic_root, epoch_length=0)


def test_samples_carry_the_chip(tiny_synthetic_root):
    ds = _syn_dataset(tiny_synthetic_root)
    for idx in range(0, len(ds), max(1, len(ds) // 4)):
        c = ds.get_chip_info(idx)
        out = ds[idx]
        sample = out['data_samples']
        meta = sample.metainfo
        h, w = meta['img_shape']
        assert out['inputs'].shape[1] >= 256 and out['inputs'].shape[2] >= 256
        assert meta['chip_scale_idx'] == c['chip_scale_idx']
        assert meta['chip_factor'] == pytest.approx(c['chip_factor'])
        np.testing.assert_allclose(meta['chip'], c['chip'])
        gt = ds._anns.boxes[c['img_idx']][c['chip_valid_inds']]
        ref = gt * c['chip_factor'] - np.tile(c['chip_scaled'][:2], 2)
        # boxes under SnipChipCrop's min_box_side (10 chip px) are dropped
        ref = ref[(ref[:, 2] - ref[:, 0] >= 10)
                  & (ref[:, 3] - ref[:, 1] >= 10)]
        got = sample.gt_instances.bboxes.tensor.numpy()
        np.testing.assert_allclose(got, ref, atol=1e-3)
        ign = sample.ignored_instances.bboxes.tensor.numpy()
        assert ((ign[:, 2] > ign[:, 0]) & (ign[:, 3] > ign[:, 1])).all()
        assert (ign[:, 2] <= w + 1e-3).all() and (ign[:, 3] <= h + 1e-3).all()


# ---------------------------------------------------------------- toy
def test_images_without_valid_boxes_are_skipped(toy_root):
    ds = SniperDataset(
        toy_dataset_cfg(toy_root, chip_pipeline()), chip_cfg=TOY_CHIP_CFG)
    assert ds.stats['images_with_chips'] == 1
    assert ds.stats['chips_per_scale'] == [1, 1]
    by_scale = {ds.get_chip_info(i)['chip_scale_idx']: i for i in range(2)}
    fine = ds[by_scale[0]]['data_samples']
    ox, oy = ds.get_chip_info(by_scale[0])['chip_scaled'][:2]
    np.testing.assert_allclose(fine.gt_instances.bboxes.tensor.numpy(),
                               [[20 - ox, 20 - oy, 52 - ox, 44 - oy]])
    assert len(fine.ignored_instances) == 0
    whole = ds[by_scale[1]]['data_samples']
    assert whole.metainfo['img_shape'] == (120, 160)
    np.testing.assert_allclose(whole.gt_instances.bboxes.tensor.numpy(),
                               [[60, 40, 110, 100]])
    np.testing.assert_allclose(
        np.sort(whole.ignored_instances.bboxes.tensor.numpy(), 0),
        [[10, 10, 26, 22], [120, 10, 150, 40]])  # out of range at scale 1


def test_negative_chips_from_proposals(toy_root, tmp_path):
    props = _toy_proposals(str(tmp_path / 'props.pkl'))
    mine_cfg = dict(type='NegChipMine', num_neg_chips=1,
                    min_proposals=(3, 3))
    ds = SniperDataset(
        toy_dataset_cfg(toy_root, chip_pipeline()),
        chip_cfg=TOY_CHIP_CFG,
        use_neg_chips=True,
        proposal_file=props,
        neg_chip_mine=mine_cfg)
    assert isinstance(ds.neg_chip_mine, NegChipMine)
    assert ds.neg_chip_mine.chip_size == 64  # geometry from chip_cfg
    # B (no box), C (crowd) and D (out of range) now give negative chips;
    # A's proposal array is empty: no negative chip
    assert ds.stats['images_with_chips'] == 4
    assert ds.stats['num_neg_chips'] == 3
    neg_imgs = ds._chips['img'][ds._chips['neg']]
    assert sorted(neg_imgs.tolist()) == [1, 2, 3]
    for idx in range(len(ds)):
        c = ds.get_chip_info(idx)
        if not c['chip_is_negative']:
            continue
        sample = ds[idx]['data_samples']
        assert len(sample.gt_instances) == 0
        if c['img_idx'] == 2:  # the crowd box is dropped (the original)
            assert len(sample.ignored_instances) == 0
        if c['img_idx'] == 3:  # the out-of-range box is ignored
            assert len(sample.ignored_instances) == 1
    # the chips are NegChipMine's on the image's positive chips, with a
    # seed of (seed, epoch, image) only: what a resumed run rebuilds
    table = load_proposals(props)
    mine = NegChipMine(num_neg_chips=1, min_proposals=(3, 3),
                       valid_ranges=TOY_CHIP_CFG['valid_ranges'],
                       chip_size=64)
    for i in range(4):
        res = generate_chips(ds._anns.boxes[i], tuple(ds._anns.shapes[i]),
                             gt_ignore_flags=ds._anns.ignore[i],
                             seed=np.random.SeedSequence([0, 0, i]),
                             **TOY_CHIP_CFG)
        out = mine(dict(proposals=table[ds._anns.img_ids[i]],
                        chip_seed=derive_seed(0, 0, i, NEG_SEED_KEY),
                        **pos_chip_keys(res)))
        rows = (ds._chips['img'] == i) & ds._chips['neg']
        np.testing.assert_array_equal(ds._chips['chip_scaled'][rows],
                                      out['neg_chips_scaled'])
        np.testing.assert_array_equal(ds._chips['chip'][rows],
                                      out['neg_chips'])
    # another epoch: the same list on a fresh dataset (resume) and in
    # worker processes
    ds.set_epoch(1)
    again = SniperDataset(
        toy_dataset_cfg(toy_root, chip_pipeline()), chip_cfg=TOY_CHIP_CFG,
        use_neg_chips=True, proposal_file=props, neg_chip_mine=mine_cfg,
        chip_workers=2, lazy_init=True)
    again.set_epoch(1)
    for k in ('chip_scaled', 'img', 'neg', 'valid_ptr'):
        np.testing.assert_array_equal(again._chips[k], ds._chips[k])
    # turning the switch off removes them
    off = SniperDataset(
        toy_dataset_cfg(toy_root, chip_pipeline()),
        chip_cfg=TOY_CHIP_CFG,
        use_neg_chips=False,
        proposal_file=props)
    assert off.stats['num_neg_chips'] == 0


def test_neg_chip_mine_config_forms(toy_root, tmp_path):
    props = _toy_proposals(str(tmp_path / 'props.pkl'))
    cfg = toy_dataset_cfg(toy_root, chip_pipeline())

    def build(**kw):
        return SniperDataset(cfg, chip_cfg=TOY_CHIP_CFG, use_neg_chips=True,
                             proposal_file=props, **kw)

    new = build(neg_chip_mine=dict(type='NegChipMine', num_neg_chips=1,
                                   min_proposals=(3, 3)))
    # the old neg_chip_cfg keys still work (mapped, with a warning)
    old = build(neg_chip_cfg=dict(num_neg_chips=1, neg_min_proposals=(3, 3)))
    assert repr(old.neg_chip_mine) == repr(new.neg_chip_mine)
    for k in ('chip_scaled', 'img', 'neg'):
        np.testing.assert_array_equal(old._chips[k], new._chips[k])
    # the bad forms (test_epoch_chips.py) stop the dataset
    with pytest.raises(ValueError, match='only neg_chip_mine'):
        build(neg_chip_cfg=dict(num_neg_chips=1),
              neg_chip_mine=dict(type='NegChipMine'))
    # without neg_chip_mine: NegChipMine's defaults (M = 25 / 10)
    default = build()
    assert default.neg_chip_mine.num_neg_chips == 2
    assert default.neg_chip_mine.min_proposals is None
    assert 'neg_chip_mine=NegChipMine(num_neg_chips=2' in repr(default)


def test_bad_proposal_files_fail_before_training(toy_root, tmp_path):
    cfg = toy_dataset_cfg(toy_root, chip_pipeline())

    def build(path):
        return SniperDataset(
            cfg, chip_cfg=TOY_CHIP_CFG, use_neg_chips=True,
            proposal_file=path)

    missing = str(tmp_path / 'nope.pkl')
    with pytest.raises(ProposalFileError, match='nope.pkl not found'):
        build(missing)
    partial = _toy_proposals(str(tmp_path / 'partial.pkl'), ids=(1, 2, 4))
    with pytest.raises(ProposalFileError,
                       match=r'partial.pkl: image id 3 of the dataset'):
        build(partial)
    shape = _toy_proposals(
        str(tmp_path / 'shape.pkl'), bad={2: np.zeros((4, 3), np.float32)})
    with pytest.raises(ProposalFileError,
                       match=r'shape.pkl: image id 2 has .* shape \[4, 3\]'):
        build(shape)
    nan_box = proposal_cluster(80, 60)
    nan_box[1, 2] = np.nan
    nan = _toy_proposals(str(tmp_path / 'nan.pkl'), bad={3: nan_box})
    with pytest.raises(ProposalFileError,
                       match=r'nan.pkl: image id 3 has NaN or inf'):
        build(nan)
    other = str(tmp_path / 'other.pkl')
    mmengine.dump({1: np.zeros((0, 5))}, other)
    with pytest.raises(ProposalFileError, match='not an mmsniper proposal'):
        build(other)
    with pytest.raises(ValueError, match='needs a proposal_file'):
        SniperDataset(cfg, chip_cfg=TOY_CHIP_CFG, use_neg_chips=True)
    # string keys (a json round trip) are accepted
    ok = str(tmp_path / 'str.pkl')
    save_proposals(ok, {str(k): v for k, v in {
        1: np.zeros((0, 4)), 2: proposal_cluster(80, 60),
        3: proposal_cluster(30, 30), 4: np.zeros((0, 5))}.items()})
    assert len(build(ok)) > 0


def test_bad_configs(toy_root):
    cfg = toy_dataset_cfg(toy_root, chip_pipeline())
    with pytest.raises(KeyError, match='unknown keys'):
        SniperDataset(cfg, chip_cfg=dict(chipsize=64))
    with pytest.raises(RuntimeError, match='no chip in any'):
        SniperDataset(
            cfg,
            chip_cfg=dict(
                scales=(1.0, ), valid_ranges=((500, 600), ), chip_size=64))


def test_chip_outside_the_loaded_image_is_caught(tmp_path):
    # the json claims 400 x 300 but the file is 160 x 120
    root = str(tmp_path)
    write_toy_coco(
        root, [dict(w=160, h=120, boxes=[[300, 200, 316, 212]],
                    json_wh=(400, 300))])
    cfg = toy_dataset_cfg(root, chip_pipeline())
    # the pre-flight check (default) refuses it before any chip is made
    with pytest.raises(PreflightError,
                       match=r"field 'width' declares 400 and field "
                       r"'height' declares 300 but the file is 160x120"):
        SniperDataset(cfg, chip_cfg=TOY_CHIP_CFG)
    # without it, the crop transform still catches the chip it reaches
    ds = SniperDataset(cfg, chip_cfg=TOY_CHIP_CFG, preflight=False)
    with pytest.raises(AssertionError, match='not inside the image'):
        ds[0]


def test_concat_dataset_and_repr(toy_root, tmp_path):
    root2 = str(tmp_path)
    write_toy_coco(root2, [TOY_IMAGES[0]], seed=5)
    concat = ConcatDataset([
        toy_dataset_cfg(toy_root, chip_pipeline()),
        toy_dataset_cfg(root2, chip_pipeline())
    ])
    ds = SniperDataset(concat, chip_cfg=TOY_CHIP_CFG)
    assert ds.stats['images_with_chips'] == 2 and len(ds) == 4
    paths = {osp.dirname(ds[i]['data_samples'].img_path) for i in range(4)}
    assert len(paths) == 2
    assert ds.metainfo['classes'] == ('a', 'b')
    assert repr(ds).startswith('SniperDataset(dataset=ConcatDataset, ')


def test_sample_randomness_is_a_function_of_seed_epoch_and_index(
        tiny_synthetic_root):
    """RandomFlip draws come from (seed, epoch, index): the same sample in
    any access order (another rank, a resume), and the caller's global
    random state is neither used nor disturbed."""
    inner = dict(
        type='SyntheticScaleDataset',
        data_root=tiny_synthetic_root + '/',
        ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'),
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=chip_pipeline(flip=True))
    ds = SniperDataset(inner, chip_cfg=SYN_CHIP_CFG, epoch_length=12)
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    forward = [ds[i] for i in range(12)]
    assert (np.random.get_state()[1] == state).all()
    np.random.seed(7)  # another global state: no effect on the samples
    backward = {i: ds[i] for i in reversed(range(12))}
    flips = []
    for i, a in enumerate(forward):
        b = backward[i]
        assert a['data_samples'].flip == b['data_samples'].flip
        assert (a['inputs'] == b['inputs']).all()
        flips.append(a['data_samples'].flip)
    assert 0 < sum(flips) < len(flips)  # both outcomes occur
    ds.set_epoch(1)
    assert ds.sample_seed(0) != SniperDataset(
        inner, chip_cfg=SYN_CHIP_CFG, epoch_length=12).sample_seed(0)
    with pytest.raises(IndexError):
        ds[12]  # iteration ends (mmdet's browse_dataset relies on it)
