"""tools/analysis/inference_uncertainty.py (jackknife SE of an mAP drop) and
the margin of ``--choose-z`` in benchmark_inference's choice of a point."""
import contextlib
import io
import json
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest


def _gt(n_img=4):
    """``n_img`` images of 100x100, one 20x20 box of category 5 each."""
    return dict(
        images=[dict(id=10 + i, width=100, height=100, file_name=f'{i}.jpg')
                for i in range(n_img)],
        annotations=[
            dict(id=i + 1, image_id=10 + i, category_id=5, iscrowd=0,
                 bbox=[10., 10., 20., 20.], area=400.)
            for i in range(n_img)
        ],
        categories=[dict(id=5, name='a')])


def _coco(dataset):
    from pycocotools.coco import COCO
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = dataset
        gt.createIndex()
    return gt


def _det(img_id, box=(10., 10., 20., 20.), score=0.9):
    return dict(image_id=img_id, label=0, score=score, bbox=list(box))


def test_jackknife_se_hand_made(load_tool):
    unc = load_tool('inference_uncertainty')
    # a constant difference has no spread
    assert unc.jackknife_se([3., 4., 5.], [1., 2., 3.]) == 0.
    # d = [0, 2]: mean 1, sum of squares 2, (K-1)/K = 1/2 -> se 1
    assert unc.jackknife_se([1., 3.], [1., 1.]) == pytest.approx(1.)
    with pytest.raises(ValueError, match='2 folds'):
        unc.jackknife_se([1.], [0.])


def test_jackknife_se_of_a_mean_is_its_standard_error(load_tool):
    """With one image per fold and a per-image statistic whose aggregate is
    the mean, the jackknife SE equals the textbook s / sqrt(n)."""
    unc = load_tool('inference_uncertainty')
    rng = np.random.default_rng(0)
    for n in (2, 5, 37):
        a, b = rng.normal(size=n), rng.normal(size=n)
        loo_a = (a.sum() - a) / (n - 1)
        loo_b = (b.sum() - b) / (n - 1)
        d = a - b
        expected = d.std(ddof=1) / np.sqrt(n)
        assert unc.jackknife_se(loo_a, loo_b) == pytest.approx(expected)


def test_leave_fold_out_maps_hand_made(load_tool):
    """Perfect boxes on three images and none on the fourth: the mAP is 100
    only with the fourth left out; folds interleave by position."""
    unc = load_tool('inference_uncertainty')
    gt = _coco(_gt(4))
    ids = [10, 11, 12, 13]
    dets = [_det(i) for i in (10, 11, 12)]
    maps = unc.leave_fold_out_maps(gt, ids, dets, [5], folds=4)
    assert maps.shape == (4, )
    assert maps[3] == pytest.approx(100.)
    assert np.all(maps[:3] < 70.)  # 2 of 3 remaining boxes found
    assert unc.fold_of(ids, 2) == {10: 0, 11: 1, 12: 0, 13: 1}
    two = unc.leave_fold_out_maps(gt, ids, dets, [5], folds=2)
    # without fold 0 ({10, 12}) one of {11, 13} is found; without fold 1
    # both of {10, 12} are
    assert two[0] < 60. and two[1] == pytest.approx(100.)
    assert np.all(unc.leave_fold_out_maps(gt, ids, [], [5], 2) == 0.)
    with pytest.raises(ValueError, match=r'folds must be in \[2, 4\]'):
        unc.leave_fold_out_maps(gt, ids, dets, [5], folds=5)


def test_add_drop_se(load_tool, tmp_path):
    """The benchmark's ``drop_se``: 0 for a method identical to the pyramid,
    > 0 for one that misses boxes on some images, none for the pyramid."""
    bench = load_tool('benchmark_inference')
    ann = tmp_path / 'instances_val.json'
    ann.write_text(json.dumps(_gt(6)))
    ids = list(range(10, 16))
    pyr = [_det(i) for i in ids]
    methods = [
        SimpleNamespace(dets=pyr),
        SimpleNamespace(dets=list(pyr)),
        SimpleNamespace(dets=[_det(i) for i in ids[:4]]),
    ]
    results = [dict(group='pyramid'), dict(group='autofocus'),
               dict(group='autofocus')]
    bench.add_drop_se(results, methods, str(ann), ids, [5], folds=3)
    assert 'drop_se' not in results[0]
    assert results[1]['drop_se'] == pytest.approx(0.)
    assert results[2]['drop_se'] > 1.


def _res(group, mAP, mpix, se=None, point=None):
    r = dict(name=group, group=group, mAP=mAP, mpix_per_img=mpix,
             ms_per_img=100., point=point)
    if se is not None:
        r['drop_se'] = se
    return r


def test_choose_point_with_a_margin(load_tool):
    report = load_tool('inference_report')
    results = [
        _res('pyramid', 80.0, 8.0),
        _res('autofocus', 78.5, 1.5, se=0.4, point='edge'),   # 1.5 + 0.66
        _res('autofocus', 78.8, 2.0, se=0.2, point='safe'),   # 1.2 + 0.33
    ]
    assert report.choose_point(results, 2.0)['point'] == 'edge'
    assert report.choose_point(results, 2.0, z=1.0)['point'] == 'edge'
    assert report.choose_point(results, 2.0, z=1.645)['point'] == 'safe'
    assert report.choose_point(results, 1.4, z=1.645) is None
    line = report.chosen_lines(results, [2.0], z=1.645)[0]
    assert line.startswith('within 2 mAP of the pyramid with 1.645 SE of '
                           'margin: --af-points safe')
    assert '-1.2 mAP (SE 0.20)' in line
    del results[1]['drop_se']
    with pytest.raises(ValueError, match='drop_se'):
        report.choose_point(results, 2.0, z=1.0)


@pytest.mark.parametrize('extra,match', [
    (['--choose-z', '1'], '--choose-within'),
    (['--choose-within', '2', '--choose-z', '-1'], '>= 0'),
    (['--choose-within', '2', '--choose-z', '1', '--jackknife-folds', '1'],
     'folds >= 2'),
])
def test_choose_z_bad_input(load_tool, repo_root, random_ckpt, tmp_path,
                            extra, match):
    bench = load_tool('benchmark_inference')
    cfg = osp.join(repo_root, 'configs/autofocus/'
                   'autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py')
    with pytest.raises(ValueError, match=match):
        bench.main([cfg, random_ckpt, '--methods', 'pyramid', 'autofocus',
                    '--out', str(tmp_path / 'r.json')] + extra)


def test_label_offsets_keep_labels_apart(load_tool):
    """Labels of coincident points get distinct, non-overlapping boxes; a
    lone point keeps the default offset."""
    report = load_tool('inference_report')
    xy = [(100., 100.), (100., 100.), (101., 99.), (400., 300.)]
    labels = ['AF t=0.2/0.2 k=3/6', 'AF t=0.3/0.3 k=3/6', 'oracle', 'x']
    offs = report.label_offsets(xy, labels, fontsize=8.)
    assert offs[3] == (5., -3.)
    boxes = [(x + dx, y + dy, x + dx + 4.8 * len(t), y + dy + 10.)
             for (x, y), (dx, dy), t in zip(xy, offs, labels)]
    for i in range(3):
        for j in range(i + 1, 3):
            a, b = boxes[i], boxes[j]
            assert (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1]
                    or a[1] >= b[3]), (i, j, offs)
