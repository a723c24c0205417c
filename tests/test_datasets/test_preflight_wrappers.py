"""The pre-flight check on dataset configs and the parse guard
(:mod:`mmsniper.datasets.preflight_wrappers`): :func:`guard_parse` on a
fake leaf, :func:`preflight_dataset_cfg` on configs of a tiny copy, and
the guard at work in SniperDataset (what mmdet would crash on is
dropped)."""
from types import SimpleNamespace

import pytest
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.datasets.preflight_wrappers import (guard_parse,
                                                  preflight_dataset_cfg)
from mmsniper.testing import TinyCopy

init_default_scope('mmdet')


@pytest.fixture
def tiny(tiny_synthetic_root, tmp_path):
    return TinyCopy(tiny_synthetic_root, str(tmp_path / 'tiny'))


def _report(skip=None, bad=None):
    return SimpleNamespace(skip_anns=skip or {}, bad_images=bad or {})


# ------------------------------------------------------------ guard_parse
def test_guard_parse_drops_skipped_anns_and_sizes_sizeless_images():
    seen = []
    leaf = SimpleNamespace(_fully_initialized=False,
                           parse_data_info=lambda raw: seen.append(raw) or 1)
    rep = _report(skip={7: {0, 2}},
                  bad={8: ['missing_size'], 9: ['missing_image']})
    assert guard_parse(leaf, rep) is True
    raw = dict(raw_img_info=dict(img_id=7, width=5, height=4),
               raw_ann_info=['a0', 'a1', 'a2', 'a3'], extra='x')
    assert leaf.parse_data_info(raw) == 1
    assert seen[-1] == dict(raw_img_info=dict(img_id=7, width=5, height=4),
                            raw_ann_info=['a1', 'a3'], extra='x')
    assert raw['raw_ann_info'] == ['a0', 'a1', 'a2', 'a3']  # not mutated
    # an image without a size gets 1 x 1 (it is dropped anyway) ...
    leaf.parse_data_info(dict(raw_img_info=dict(img_id=8), raw_ann_info=[]))
    assert seen[-1]['raw_img_info'] == dict(img_id=8, width=1, height=1)
    # ... an image bad for another reason is parsed as it is
    leaf.parse_data_info(dict(raw_img_info=dict(img_id=9, width=3),
                              raw_ann_info=['b']))
    assert seen[-1] == dict(raw_img_info=dict(img_id=9, width=3),
                            raw_ann_info=['b'])


def test_guard_parse_leaves_the_leaf_alone_when_not_needed():
    def parse(raw):
        return raw

    def leaf(**kw):
        return SimpleNamespace(parse_data_info=parse, **kw)

    needed = _report(skip={1: {0}})
    for lf, rep in (
        (leaf(_fully_initialized=False), _report()),  # nothing to guard
        (leaf(_fully_initialized=False),  # bad, but not for its size
         _report(bad={1: ['missing_image']})),
        (leaf(_fully_initialized=True), needed),  # already loaded
        (leaf(), needed),  # no lazy-init flag: taken as loaded
        (SimpleNamespace(_fully_initialized=False), needed),  # no parser
    ):
        assert guard_parse(lf, rep) is False
        assert getattr(lf, 'parse_data_info', parse) is parse


# -------------------------------------------------- preflight_dataset_cfg
def test_preflight_dataset_cfg_options_and_leaves(tiny):
    tiny.add_box([10, 10, float('inf'), 20])
    leaf = tiny.dataset_cfg()
    rep, = preflight_dataset_cfg(leaf)  # the defaults: box problems warn
    assert rep.counts == {'nonfinite_box': 1}
    assert rep.policy['nonfinite_box'] == 'warn'
    assert rep.source == leaf['data_root'] + leaf['ann_file']
    sniper = dict(type='SniperDataset', dataset=leaf,
                  preflight=dict(box='drop'))
    rep, = preflight_dataset_cfg(sniper)  # the SniperDataset's options
    assert rep.policy['nonfinite_box'] == 'drop'
    rep, = preflight_dataset_cfg(sniper, dict(box='error'))  # option wins
    assert rep.policy['nonfinite_box'] == 'error'
    assert rep.policy['missing_image'] == 'error'
    reps = preflight_dataset_cfg(
        dict(type='ConcatDataset', datasets=[leaf, leaf]))
    assert [r.counts for r in reps] == [{'nonfinite_box': 1}] * 2
    assert sniper['preflight'] == dict(box='drop')  # the config unchanged


def test_preflight_dataset_cfg_counts_progress(tiny):
    calls = []

    def progress(n):
        calls.append(n)
        return lambda: calls.append('tick')

    rep, = preflight_dataset_cfg(tiny.dataset_cfg(), progress=progress)
    assert rep.counts == {} and calls == [8] + ['tick'] * 8


# ------------------------------------------------- through SniperDataset
def test_missing_size_with_warn_drops_the_image_instead_of_keyerror(tiny):
    del tiny.img(3)['height']
    tiny.img(4)['width'] = 0
    ds = tiny.sniper(preflight=dict(size='drop'))
    assert ds.preflight_report.counts == {'missing_size': 2}
    assert ds._dropped_imgs == {3, 4}
    assert ds.stats['images_with_chips'] == 6
    # mmdet's own parse_data_info is back on the dataset
    assert 'parse_data_info' not in vars(ds.dataset)
    with pytest.raises(KeyError, match='height'):
        tiny.sniper(preflight=False)  # what it was before


def test_malformed_box_is_removed_before_mmdet_parses(tiny):
    ann_id = tiny.add_box([10, 10, 30, 30])
    del tiny.coco['annotations'][-1]['area']
    ds = tiny.sniper()
    assert ds.preflight_report.counts == {'malformed_box': 1}
    assert len(ds._anns.boxes[0]) == len(tiny.anns(0)) - 1
    assert f"annotation {ann_id}: field 'area' None" in \
        ds.preflight_report.format()

