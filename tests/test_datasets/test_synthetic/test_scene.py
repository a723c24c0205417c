# Copyright (c) mmsniper contributors. All rights reserved.
"""One synthetic image (:mod:`mmsniper.datasets.synthetic.scene`): seeds,
determinism, tight boxes, the size and clustering of the objects, the
polygons and the annotation format versions."""
import json

import numpy as np
import pytest

from mmsniper.datasets.synthetic.render import CLASS_NAMES
from mmsniper.datasets.synthetic.scene import (FORMAT_VERSION,
                                               FORMAT_VERSIONS,
                                               check_format_version,
                                               generate_image, image_seed,
                                               render_scene, visible_polygons)
from mmsniper.datasets.synthetic.scale_stats import split_stats
from mmsniper.testing.masks import coco_polygon_mask


@pytest.fixture(scope='module')
def sample_coco():
    """COCO dict of 30 ``tiny`` images rendered in memory (not written)."""
    images, anns = [], []
    for i in range(30):
        img, boxes = generate_image(image_seed(0, 'sample', i), 'tiny')
        images.append(dict(id=i, height=img.shape[0], width=img.shape[1]))
        anns += [dict(image_id=i, **a) for a in boxes]
    return dict(images=images, annotations=anns)


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
            m = coco_polygon_mask(segm, H, W)
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


def test_visible_polygons_rasterise_to_the_mask():
    mask = np.zeros((30, 40), bool)
    mask[2:10, 3:20] = True  # a bar ...
    mask[10:25, 12:14] = True  # ... with a 2 px leg
    mask[27, 30] = True  # one lone pixel
    polys = visible_polygons(mask, (5, 7))
    assert len(polys) == 2
    big = np.zeros((40, 50), bool)
    big[7:37, 5:45] = mask
    np.testing.assert_array_equal(
        coco_polygon_mask(polys, 40, 50), big)


def test_image_seed_is_per_seed_split_and_index():
    a = image_seed(0, 'train', 1)
    assert isinstance(a, np.random.SeedSequence)
    assert a.entropy == image_seed(0, 'train', 1).entropy
    draws = {tuple(np.random.default_rng(s).integers(0, 2**31, 4))
             for s in (a, image_seed(1, 'train', 1),
                       image_seed(0, 'val', 1), image_seed(0, 'train', 2))}
    assert len(draws) == 4


def test_seed_forms_give_the_same_image():
    """A seed sequence, an int and a generator: the same randomness."""
    seed = image_seed(0, 'train', 0)
    img, anns = generate_image(seed, 'tiny')
    gen = np.random.default_rng(image_seed(0, 'train', 0))
    img2, anns2 = generate_image(gen, 'tiny')
    assert np.array_equal(img, img2) and anns == anns2
    img3, _ = generate_image(7, 'tiny')
    img4, _ = generate_image(np.random.SeedSequence(7), 'tiny')
    assert np.array_equal(img3, img4)


def test_unknown_preset_and_format_version():
    with pytest.raises(ValueError, match="unknown synthetic preset 'nope'"):
        generate_image(0, 'nope')
    assert FORMAT_VERSION == 2 and set(FORMAT_VERSIONS) == {1, 2}
    assert check_format_version(1) == 1 and check_format_version(2) == 2
    for bad in (0, 3, '2'):
        with pytest.raises(ValueError, match=f'format_version {bad!r}'):
            check_format_version(bad)


def test_format_versions_in_memory():
    seed = image_seed(0, 'train', 1)
    img1, v1 = generate_image(seed, 'tiny', format_version=1)
    img2, v2 = generate_image(seed, 'tiny')
    assert np.array_equal(img1, img2)  # same pixels, same boxes
    assert all('segmentation' not in a for a in v1)
    assert [{k: a[k] for k in v1[0]} for a in v2] == v1
    with pytest.raises(ValueError, match='format_version 3'):
        generate_image(seed, 'tiny', format_version=3)


def test_visible_polygons_edge_cases():
    assert visible_polygons(np.zeros((5, 6), bool)) == []  # no pixel
    one = np.zeros((3, 3), bool)
    one[1, 2] = True
    poly, = visible_polygons(one)
    assert poly.dtype == np.float64 and len(poly) % 2 == 0
    xy = poly.reshape(-1, 2)
    # a quarter pixel inside the edges of pixel (x 2, y 1)
    np.testing.assert_allclose(xy.min(0), [2.25, 1.25])
    np.testing.assert_allclose(xy.max(0), [2.75, 1.75])
    moved, = visible_polygons(one, (10, 20))
    np.testing.assert_allclose(moved.reshape(-1, 2), xy + [10, 20])
    np.testing.assert_array_equal(coco_polygon_mask([poly], 3, 3), one)
