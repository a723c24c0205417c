# Copyright (c) mmsniper contributors. All rights reserved.
"""Tests of the synthetic multi-scale dataset generator, its tools and its
dataset class."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from mmsniper.datasets.synthetic import (CLASS_NAMES, PRESETS,
                                         generate_dataset, generate_image,
                                         get_preset, image_seed, render_scene,
                                         split_stats)
from mmsniper.datasets.synthetic import generator as generator_module

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# a small custom preset for tests of the writing logic
MINI = get_preset('tiny').replace(
    name='mini',
    split_sizes=dict(train=2, val=1, test=1),
    img_size_range=(300, 400),
    num_objects=(3, 6),
    obj_size_range=(8, 120))


def _load_tool(rel_path: str):
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(rel_path))[0], osp.join(ROOT, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


@pytest.fixture(scope='module')
def sample_coco():
    """COCO dict of 30 ``tiny`` images rendered in memory (not written)."""
    images, anns = [], []
    for i in range(30):
        img, boxes = generate_image(image_seed(0, 'sample', i), 'tiny')
        images.append(dict(id=i, height=img.shape[0], width=img.shape[1]))
        anns += [dict(image_id=i, **a) for a in boxes]
    return dict(images=images, annotations=anns)


def test_unknown_preset():
    with pytest.raises(ValueError, match="'nope'.*tiny, quickstart, bench"):
        get_preset('nope')
    with pytest.raises(ValueError, match='nope'):
        generate_image(0, 'nope')
    assert set(PRESETS) == {'tiny', 'quickstart', 'bench'}
    assert PRESETS['bench'].split_sizes == dict(train=300, val=100, test=100)


def test_determinism():
    img1, anns1 = generate_image(image_seed(0, 'train', 1), 'tiny')
    img2, anns2 = generate_image(image_seed(0, 'train', 1), 'tiny')
    assert img1.dtype == np.uint8 and img1.ndim == 3
    assert np.array_equal(img1, img2)
    assert json.dumps(anns1) == json.dumps(anns2)
    img3, anns3 = generate_image(image_seed(1, 'train', 1), 'tiny')
    img4, anns4 = generate_image(image_seed(0, 'val', 1), 'tiny')
    for img, anns in ((img3, anns3), (img4, anns4)):
        assert img.shape != img1.shape or not np.array_equal(img, img1)
        assert anns != anns1


def test_boxes_tight_and_inside():
    for i in range(2):
        scene = render_scene(image_seed(0, 'train', i), 'tiny')
        H, W = scene.img.shape[:2]
        assert 1000 <= min(H, W) and max(H, W) <= 1300
        assert len(scene.anns) >= 10
        changed = np.abs(scene.img.astype(int) -
                         scene.background.astype(int)).sum(-1) > 20
        for k, ann in enumerate(scene.anns):
            x, y, w, h = ann['bbox']
            assert 0 <= x and 0 <= y and x + w <= W and y + h <= H
            assert ann['area'] == w * h and ann['iscrowd'] == 0
            assert 1 <= ann['category_id'] <= len(CLASS_NAMES)
            assert 0.4 <= w / h <= 2.5
            obj = scene.instance_map == k + 1
            ys, xs = np.nonzero(obj)
            # the box is exactly the extent of the visible object pixels
            assert (xs.min(), ys.min()) == (x, y)
            assert (xs.max() + 1, ys.max() + 1) == (x + w, y + h)
            # ... which are drawn over, and differ from, the background
            assert changed[obj].mean() > 0.8
            # ... and mostly visible (a triangle fills half of its box)
            assert obj.sum() >= 0.25 * w * h


def test_size_distribution(sample_coco):
    stats = split_stats(sample_coco)
    sizes = stats['sizes']
    assert sizes.min() < 16 and sizes.max() > 300
    assert 10 <= stats['boxes_per_image'][0] <= 40
    # roughly log-uniform: every octave bin between 8 and 600 px holds a
    # fair share (uniform would be 1/6.2 of the boxes per octave)
    hist = np.array(stats['size_hist'][1:7]) / sizes.size
    assert hist.min() > 0.07 and hist.max() < 0.3, hist


def test_small_objects_cluster(sample_coco):
    stats = split_stats(sample_coco)
    # mean nearest-neighbour distance of small boxes vs uniform points
    assert stats['clark_evans'] < 0.75
    # 80% of small boxes lie in a much smaller area than uniform points
    assert stats['small_area_share'] < 0.6 * stats['uniform_area_share']


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


def test_cli_bad_arguments(tmp_path, capsys):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    script = osp.join(ROOT, 'tools', 'misc', 'generate_synthetic.py')
    proc = subprocess.run(
        [sys.executable, script, '--preset', 'nope', '--out',
         str(tmp_path / 'x')],
        capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 2
    assert "invalid choice: 'nope'" in proc.stderr
    assert not (tmp_path / 'x').exists()
    tool = _load_tool('tools/misc/generate_synthetic.py')
    (tmp_path / 'afile').write_text('x')
    bad_out = str(tmp_path / 'afile' / 'out')
    with pytest.raises(SystemExit) as exc:
        tool.main(['--preset', 'tiny', '--out', bad_out])
    assert exc.value.code == 2
    assert 'afile' in capsys.readouterr().err
    assert os.listdir(tmp_path) == ['afile']


def test_dataset_stats_tool(tiny_root, tmp_path, capsys):
    tool = _load_tool('tools/analysis/dataset_stats.py')
    png = str(tmp_path / 'stats.png')
    assert tool.main([tiny_root, '--plot', png]) == 0
    out = capsys.readouterr().out
    assert '[train] 8 images' in out and '8-16' in out
    assert osp.getsize(png) > 1000


def test_synthetic_scale_dataset(tiny_root):
    pytest.importorskip('mmdet')
    from mmdet.registry import DATASETS

    import mmsniper.datasets  # noqa: F401  (registers the dataset)
    dataset = DATASETS.build(
        dict(
            type='SyntheticScaleDataset',
            data_root=tiny_root,
            ann_file='annotations/instances_val.json',
            data_prefix=dict(img='val/'),
            pipeline=[]))
    with open(osp.join(tiny_root, 'annotations', 'instances_val.json')) as f:
        coco = json.load(f)
    assert len(dataset) == len(coco['images']) == 4
    assert dataset.metainfo['classes'] == CLASS_NAMES
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        n = sum(a['image_id'] == info['img_id'] for a in coco['annotations'])
        assert len(info['instances']) == n
        assert info['img_path'].startswith(osp.join(tiny_root, 'val'))


# ------------------------------------------------------------ polygons
def _raster(segm, h, w):
    import pycocotools.mask as mask_utils
    rles = mask_utils.frPyObjects(segm, h, w)
    return mask_utils.decode(mask_utils.merge(rles)).astype(bool)


def _unoccluded(boxes: np.ndarray, k: int) -> bool:
    """No later (drawn on top) object's box meets box ``k``."""
    b, later = boxes[k], boxes[k + 1:]
    return not ((later[:, 0] < b[2]) & (later[:, 2] > b[0]) &
                (later[:, 1] < b[3]) & (later[:, 3] > b[1])).any()


def test_polygons_match_the_rendered_pixels():
    ious = dict(unoccluded=[], occluded=[])
    for i in range(4):
        scene = render_scene(image_seed(0, 'train', i), 'tiny')
        H, W = scene.img.shape[:2]
        boxes = np.array([a['bbox'] for a in scene.anns])
        boxes[:, 2:] += boxes[:, :2]
        for k, ann in enumerate(scene.anns):
            segm = ann['segmentation']
            assert segm and all(len(p) >= 6 and len(p) % 2 == 0
                                for p in segm)
            xy = np.concatenate(segm).reshape(-1, 2)
            assert (xy >= 0).all() and (xy <= (W, H)).all()
            obj = scene.instance_map == k + 1
            m = _raster(segm, H, W)
            iou = (m & obj).sum() / (m | obj).sum()
            size = np.sqrt(ann['bbox'][2] * ann['bbox'][3])
            key = 'unoccluded' if _unoccluded(boxes, k) else 'occluded'
            ious[key].append((iou, size))
    un, occ = (np.array(ious[k]) for k in ('unoccluded', 'occluded'))
    assert len(un) > 40 and len(occ) > 5
    # the outline the shape was filled with: cv2's fill rule differs from
    # pycocotools' by a pixel here and there, which small objects feel
    assert un[un[:, 1] >= 16, 0].min() > 0.9, un[un[:, 0].argmin()]
    assert un[:, 0].min() > 0.85 and np.median(un[:, 0]) > 0.97
    # occluded: the traced outline of the visible pixels
    assert occ[:, 0].min() > 0.9 and np.median(occ[:, 0]) > 0.99


def test_shape_outlines_are_the_drawn_shapes():
    from mmsniper.datasets.synthetic.render import render_object
    rng = np.random.default_rng(0)
    for label in range(len(CLASS_NAMES)):
        patch, mask, polys = render_object(label, 200., 120., 10., rng,
                                           with_polygon=True)
        m = _raster([p.tolist() for p in polys], *mask.shape)
        assert (m & mask).sum() / (m | mask).sum() > 0.98, CLASS_NAMES[label]
        n = [len(p) // 2 for p in polys]
        # disks: 24 vertices (+ the half-pixel widening), the cross: 2 arms
        assert len(polys) == (2 if CLASS_NAMES[label] == 'yellow_cross'
                              else 1)
        assert max(n) <= 40, n


def test_visible_polygons_rasterise_to_the_mask():
    from mmsniper.datasets.synthetic import visible_polygons
    mask = np.zeros((30, 40), bool)
    mask[2:10, 3:20] = True  # a bar ...
    mask[10:25, 12:14] = True  # ... with a 2 px leg
    mask[27, 30] = True  # one lone pixel
    polys = visible_polygons(mask, (5, 7))
    assert len(polys) == 2
    big = np.zeros((40, 50), bool)
    big[7:37, 5:45] = mask
    np.testing.assert_array_equal(
        _raster([p.tolist() for p in polys], 40, 50), big)


def test_format_versions(tmp_path):
    from mmsniper.datasets.synthetic import FORMAT_VERSION, FORMAT_VERSIONS
    assert FORMAT_VERSION == 2 and set(FORMAT_VERSIONS) == {1, 2}
    seed = image_seed(0, 'train', 1)
    img1, v1 = generate_image(seed, 'tiny', format_version=1)
    img2, v2 = generate_image(seed, 'tiny')
    assert np.array_equal(img1, img2)  # same pixels, same boxes
    assert all('segmentation' not in a for a in v1)
    assert [{k: a[k] for k in v1[0]} for a in v2] == v1
    with pytest.raises(ValueError, match='format_version 3'):
        generate_image(seed, 'tiny', format_version=3)
    # a version-1 dataset on disk: loadable, and regenerated (same images)
    # when version 2 is asked for
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
