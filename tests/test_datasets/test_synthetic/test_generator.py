# Copyright (c) mmsniper contributors. All rights reserved.
"""The writer of the synthetic dataset
(:mod:`mmsniper.datasets.synthetic.generator`): layout, reuse, forced and
failed regeneration, bad output folders, format versions on disk."""
import json
import os
import os.path as osp

import pytest

from mmsniper.datasets.synthetic import generator as generator_module
from mmsniper.datasets.synthetic.generator import (GENERATOR, ann_file,
                                                   categories,
                                                   generate_dataset,
                                                   generate_image, image_seed)
from mmsniper.datasets.synthetic.presets import PRESETS, get_preset
from mmsniper.datasets.synthetic.render import CLASS_NAMES

# a small custom preset for tests of the writing logic
MINI = get_preset('tiny').replace(
    name='mini',
    split_sizes=dict(train=2, val=1, test=1),
    img_size_range=(300, 400),
    num_objects=(3, 6),
    obj_size_range=(8, 120))


def test_categories_and_ann_file():
    assert categories() == [
        dict(id=k + 1, name=n, supercategory='shape')
        for k, n in enumerate(CLASS_NAMES)]
    assert [c['id'] for c in categories()] == [1, 2, 3, 4, 5]
    assert ann_file('/d', 'val') == osp.join('/d', 'annotations',
                                             'instances_val.json')


def _tree(path: str) -> dict:
    """``{relative path: bytes}`` of every file under ``path``."""
    out = {}
    for folder, _, files in os.walk(path):
        for name in files:
            p = osp.join(folder, name)
            with open(p, 'rb') as f:
                out[osp.relpath(p, path)] = f.read()
    return out


@pytest.fixture(scope='module')
def tiny_root(tmp_path_factory):
    """The ``tiny`` preset written once for the whole module."""
    out = str(tmp_path_factory.mktemp('synthetic') / 'tiny')
    generate_dataset(out, preset='tiny', progress=False)
    return out


def test_generate_dataset(tiny_root):
    from pycocotools.coco import COCO
    p = PRESETS['tiny']
    for split, n in p.split_sizes.items():
        ann = osp.join(tiny_root, 'annotations', f'instances_{split}.json')
        coco = COCO(ann)
        assert len(coco.getImgIds()) == n
        assert sorted(coco.getCatIds()) == [1, 2, 3, 4, 5]
        assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == \
            list(CLASS_NAMES)
        assert coco.dataset['info']['preset'] == 'tiny'
        assert coco.dataset['info']['seed'] == 0
        assert len(coco.getAnnIds()) >= 10 * n
        img = coco.loadImgs(coco.getImgIds()[0])[0]
        assert img['file_name'] == '000000.jpg'
        import cv2
        arr = cv2.imread(osp.join(tiny_root, split, img['file_name']))
        assert arr.shape[:2] == (img['height'], img['width'])
    # the json holds exactly what generate_image returns for one image
    with open(osp.join(tiny_root, 'annotations', 'instances_val.json')) as f:
        coco = json.load(f)
    _, anns = generate_image(image_seed(0, 'val', 2), 'tiny')
    in_json = [{k: a[k]
                for k in anns[0]}
               for a in coco['annotations'] if a['image_id'] == 3]
    assert in_json == anns
    assert os.listdir(osp.dirname(tiny_root)) == ['tiny']  # no temp left


def test_reuse_and_regenerate(tmp_path):
    out = str(tmp_path / 'mini')
    paths = generate_dataset(out, MINI, progress=False)
    assert set(paths['annotations']) == {'train', 'val', 'test'}
    before = _tree(out)
    mtime = os.stat(paths['annotations']['train']).st_mtime_ns
    generate_dataset(out, MINI, progress=False)  # reused, untouched
    assert os.stat(paths['annotations']['train']).st_mtime_ns == mtime
    # forcing one split gives byte-equal files and keeps the others
    generate_dataset(out, MINI, splits=['val'], force=True, progress=False)
    assert _tree(out) == before
    # another seed regenerates
    generate_dataset(out, MINI, seed=1, splits=['train'], progress=False)
    with open(osp.join(out, 'annotations', 'instances_train.json')) as f:
        assert json.load(f)['info']['seed'] == 1
    assert sorted(os.listdir(out)) == ['annotations', 'train']
    assert sorted(os.listdir(tmp_path)) == ['mini']


def test_unwritable_output(tmp_path):
    (tmp_path / 'afile').write_text('x')
    out = str(tmp_path / 'afile' / 'out')
    with pytest.raises(ValueError, match='afile'):
        generate_dataset(out, MINI, progress=False)
    assert os.listdir(tmp_path) == ['afile']
    with pytest.raises(ValueError, match='unknown split'):
        generate_dataset(str(tmp_path / 'x'), MINI, splits=['dev'])
    # a folder that is not a synthetic dataset is never replaced
    (tmp_path / 'mine').mkdir()
    (tmp_path / 'mine' / 'notes.txt').write_text('keep me')
    with pytest.raises(ValueError, match='not a synthetic dataset'):
        generate_dataset(str(tmp_path / 'mine'), MINI, progress=False)
    assert (tmp_path / 'mine' / 'notes.txt').read_text() == 'keep me'


def test_failure_leaves_no_partial_output(tmp_path, monkeypatch):
    calls = []
    real = generator_module.generate_image

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError('boom')
        return real(*args, **kwargs)

    monkeypatch.setattr(generator_module, 'generate_image', flaky)
    out = tmp_path / 'mini'
    with pytest.raises(RuntimeError, match='boom'):
        generate_dataset(str(out), MINI, progress=False)
    assert os.listdir(tmp_path) == []
    # an existing dataset survives a failed regeneration unchanged
    monkeypatch.setattr(generator_module, 'generate_image', real)
    generate_dataset(str(out), MINI, progress=False)
    before = _tree(str(out))
    calls.clear()
    monkeypatch.setattr(generator_module, 'generate_image', flaky)
    with pytest.raises(RuntimeError, match='boom'):
        generate_dataset(str(out), MINI, force=True, progress=False)
    assert _tree(str(out)) == before
    assert os.listdir(tmp_path) == ['mini']


def test_format_versions_on_disk(tmp_path):
    """A version-1 dataset on disk: loadable, and regenerated (same
    images) when version 2 is asked for."""
    out = str(tmp_path / 'mini')
    generate_dataset(out, MINI, splits=['val'], progress=False,
                     format_version=1)
    ann = osp.join(out, 'annotations', 'instances_val.json')
    with open(ann) as f:
        old = json.load(f)
    assert old['info']['format_version'] == 1
    assert 'segmentation' not in old['annotations'][0]
    images = _tree(osp.join(out, 'val'))
    generate_dataset(out, MINI, splits=['val'], progress=False)
    with open(ann) as f:
        new = json.load(f)
    assert new['info']['format_version'] == 2
    assert all(a['segmentation'] for a in new['annotations'])
    assert [{k: a[k] for k in old['annotations'][0]}
            for a in new['annotations']] == old['annotations']
    assert _tree(osp.join(out, 'val')) == images
    # ... and kept when asked for again
    mtime = os.stat(ann).st_mtime_ns
    generate_dataset(out, MINI, splits=['val'], progress=False)
    assert os.stat(ann).st_mtime_ns == mtime


def test_bad_splits_and_foreign_json(tmp_path):
    with pytest.raises(ValueError, match=r"unknown split\(s\) \[\]"):
        generate_dataset(str(tmp_path / 'x'), MINI, splits=[])
    with pytest.raises(ValueError, match='unknown synthetic format_version'):
        generate_dataset(str(tmp_path / 'x'), MINI, format_version=5)
    # a json of the right name but another generator is not replaced
    out = tmp_path / 'other'
    (out / 'annotations').mkdir(parents=True)
    path = out / 'annotations' / 'instances_val.json'
    path.write_text(json.dumps(dict(info=dict(generator='someone'))))
    with pytest.raises(ValueError,
                       match=r'annotations/instances_val\.json'):
        generate_dataset(str(out), MINI, splits=['val'], progress=False)
    assert json.loads(path.read_text())['info']['generator'] == 'someone'
    assert not (tmp_path / 'x').exists()


def test_info_records_what_was_generated(tmp_path):
    paths = generate_dataset(str(tmp_path / 'mini'), MINI, seed=4,
                             splits=['test'], progress=False)
    assert paths['data_root'] == str(tmp_path / 'mini')
    assert set(paths['annotations']) == set(paths['images']) == {'test'}
    with open(paths['annotations']['test']) as f:
        info = json.load(f)['info']
    assert info['generator'] == GENERATOR
    assert (info['preset'], info['seed'], info['split']) == ('mini', 4,
                                                            'test')
    assert info['num_images'] == 1 and info['format_version'] == 2
    assert info['preset_params'] == MINI.to_dict()
    assert os.listdir(paths['images']['test']) == ['000000.jpg']
