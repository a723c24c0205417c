"""mmsniper.utils.dataset_walk on hand-made nested wrappers: configs
(Concat of Repeat of CocoDataset, a SniperDataset inside a RepeatDataset)
and the datasets built from them."""
import copy

import pytest
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmdet.registry import DATASETS
from mmsniper.datasets import SniperDataset
from mmsniper.testing.sniper_toy import (chip_pipeline, toy_dataset_cfg,
                                         write_toy_coco)
from mmsniper.utils.dataset_walk import (cfg_type_is, find_dataset,
                                         find_dataset_cfg, lazy_dataset_cfg,
                                         leaf_dataset_cfgs, leaf_datasets,
                                         locate_sample, map_dataset_cfg,
                                         wrapped_cfgs, wrapped_datasets)

init_default_scope('mmdet')

CHIP_CFG = dict(scales=(2.0, 1.0), valid_ranges=((-1, 24), (40, -1)),
                chip_size=64, stride=16)
#: 2 images in a.json, 3 in b.json (each with a box valid at one scale).
IMAGES_A = [dict(w=160, h=120, boxes=[[10, 10, 26, 22]])] * 2
IMAGES_B = [dict(w=160, h=120, boxes=[[60, 40, 110, 100]])] * 3


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('walk'))
    write_toy_coco(root, IMAGES_A, ann_name='a.json')
    write_toy_coco(root, IMAGES_B, ann_name='b.json', img_dir='images_b')
    return root


def _leaf(root, name, pipeline=None):
    img_dir = 'images' if name == 'a' else 'images_b'
    return toy_dataset_cfg(root, pipeline, ann_name=f'{name}.json',
                           img_dir=img_dir)


def _concat_of_repeat(root, pipeline=None):
    """ConcatDataset(RepeatDataset(a, times=2), b): 4 + 3 samples."""
    return dict(
        type='ConcatDataset',
        datasets=[
            dict(type='RepeatDataset', times=2,
                 dataset=_leaf(root, 'a', pipeline)),
            _leaf(root, 'b', pipeline)
        ])


# ---------------------------------------------------------------- configs
def test_config_walk_concat_of_repeat(root):
    cfg = _concat_of_repeat(root)
    before = copy.deepcopy(cfg)
    assert [c['type'] for c in wrapped_cfgs(cfg)] == ['RepeatDataset',
                                                      'CocoDataset']
    assert wrapped_cfgs(_leaf(root, 'a')) == []
    leaves = leaf_dataset_cfgs(cfg)
    assert [c['ann_file'] for c in leaves] == ['annotations/a.json',
                                               'annotations/b.json']
    assert leaves[0] is cfg['datasets'][0]['dataset']  # not copies
    lazy = lazy_dataset_cfg(cfg)
    assert lazy['lazy_init'] and lazy['datasets'][0]['lazy_init']
    assert lazy['datasets'][0]['dataset']['lazy_init']
    assert lazy['datasets'][1]['lazy_init']
    assert cfg == before  # the input is left as it is


def test_map_dataset_cfg_leaves_and_wrappers(root):
    cfg = ConfigDict(_concat_of_repeat(root))
    seen = []

    def leaf_fn(c):
        seen.append(('leaf', c['ann_file']))
        c['pipeline'] = ['leaf']
        return c

    def wrapper_fn(c):
        seen.append(('wrapper', c['type']))
        c['pipeline'] = ['mix']
        return c

    out = map_dataset_cfg(cfg, leaf_fn, wrapper_fn)
    assert isinstance(out, ConfigDict)  # the config's own type
    # inner levels first, in order
    assert seen == [('leaf', 'annotations/a.json'),
                    ('wrapper', 'RepeatDataset'),
                    ('leaf', 'annotations/b.json'),
                    ('wrapper', 'ConcatDataset')]
    assert [c['pipeline'] for c in leaf_dataset_cfgs(out)] == [['leaf']] * 2
    assert out['pipeline'] == ['mix']
    assert out['datasets'][0]['pipeline'] == ['mix']
    assert 'pipeline' not in cfg and cfg['datasets'][1]['pipeline'] == []
    built = object()  # entries that are not dicts are kept
    kept = map_dataset_cfg(dict(type='ConcatDataset', datasets=[built]),
                           leaf_fn)
    assert kept['datasets'][0] is built


def test_find_dataset_cfg_inside_a_repeat(root):
    sniper = dict(type='SniperDataset', chip_cfg=CHIP_CFG,
                  dataset=_concat_of_repeat(root))
    cfg = dict(type='RepeatDataset', times=3, dataset=sniper)
    assert find_dataset_cfg(cfg, SniperDataset) is sniper
    assert cfg_type_is(sniper, SniperDataset)
    assert cfg_type_is(dict(type=SniperDataset), SniperDataset)
    assert not cfg_type_is(cfg, SniperDataset)
    assert not cfg_type_is(dict(), SniperDataset)
    assert find_dataset_cfg(_concat_of_repeat(root), SniperDataset) is None
    # the leaves of the SniperDataset's own wrappers
    assert len(leaf_dataset_cfgs(cfg)) == 2


# ---------------------------------------------------------------- built
def test_built_concat_of_repeat(root):
    ds = DATASETS.build(_concat_of_repeat(root))
    assert len(ds) == 7
    repeat, b = wrapped_datasets(ds)
    assert type(repeat).__name__ == 'RepeatDataset'
    assert wrapped_datasets(repeat) == [repeat.dataset]
    assert wrapped_datasets(b) == []
    a = repeat.dataset
    assert leaf_datasets(ds) == [a, b]
    # sample -> (leaf, index there) through both index maps
    where = [locate_sample(ds, i) for i in range(len(ds))]
    assert [(leaf is a, k) for leaf, k in where[:4]] == [
        (True, 0), (True, 1), (True, 0), (True, 1)]
    assert [(leaf is b, k) for leaf, k in where[4:]] == [
        (True, 0), (True, 1), (True, 2)]
    assert find_dataset(ds, type(b)) is a  # depth first
    assert find_dataset(ds, SniperDataset) is None


def test_built_sniper_inside_a_repeat(root):
    sniper_cfg = dict(type='SniperDataset', chip_cfg=CHIP_CFG,
                      dataset=_concat_of_repeat(root, chip_pipeline()))
    ds = DATASETS.build(dict(type='RepeatDataset', times=2,
                             dataset=sniper_cfg))
    sniper = find_dataset(ds, SniperDataset)
    assert sniper is ds.dataset and isinstance(sniper, SniperDataset)
    assert [leaf.ann_file.endswith(f'{n}.json')
            for leaf, n in zip(leaf_datasets(ds), 'ab')] == [True, True]
    # the chips of the SniperDataset run the pipeline of the right leaf
    for i in range(len(sniper)):
        img_idx = sniper.get_chip_info(i)['img_idx']
        leaf, local = locate_sample(sniper.dataset, img_idx)
        assert leaf.get_data_info(local)['img_path'] == \
            sniper.get_data_info(i)['img_path']


def test_bad_wrappers():
    with pytest.raises(TypeError, match='cannot find the pipeline of list'):
        locate_sample([1, 2], 0)
    assert leaf_datasets([1, 2]) == []
    assert find_dataset([1], SniperDataset) is None

    class Loop:  # a wrapper that wraps itself: no endless walk
        pass

    loop = Loop()
    loop.dataset = loop
    assert find_dataset(loop, SniperDataset) is None
