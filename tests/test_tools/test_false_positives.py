"""tools/analysis/false_positives.py on hand-made boxes."""
import json
import os.path as osp
import runpy

import numpy as np
import pytest


@pytest.fixture(scope='module')
def fp_tool(repo_root):
    return runpy.run_path(
        osp.join(repo_root, 'tools', 'analysis', 'false_positives.py'))


def test_classify(fp_tool):
    gts = np.array([[0, 0, 200, 200], [300, 300, 330, 330]], float)
    dets = np.array([
        [300, 300, 330, 331],  # true positive
        [10, 10, 40, 40],  # a corner of the large object
        [150, 150, 260, 260],  # half inside the large object: not a part
        [500, 500, 520, 520],  # background
        [0, 0, 150, 150],  # IoU 0.56 with the large one: a match
    ])
    fp, part = fp_tool['classify'](dets, gts, 0.5, 0.8, 4.0)
    assert fp.tolist() == [False, True, True, True, False]
    assert part.tolist() == [False, True, False, False, False]
    # the 4x area rule: a 120 px box inside the 200 px one is not a "part"
    fp, part = fp_tool['classify'](np.array([[0, 0, 120, 120.]]), gts[:1],
                                   0.5, 0.8, 4.0)
    assert fp.tolist() == [True] and part.tolist() == [False]
    fp, part = fp_tool['classify'](dets, np.zeros((0, 4)), 0.5, 0.8, 4.0)
    assert fp.all() and not part.any()


def test_main_counts_per_threshold(fp_tool, tmp_path, capsys):
    gt = dict(images=[dict(id=1), dict(id=2)], categories=[dict(id=1)],
              annotations=[dict(id=1, image_id=1, category_id=1,
                                bbox=[0, 0, 200, 200])])
    dets = [
        dict(image_id=1, category_id=1, bbox=[0, 0, 200, 200], score=0.9),
        dict(image_id=1, category_id=1, bbox=[10, 10, 30, 30], score=0.6),
        dict(image_id=2, category_id=1, bbox=[10, 10, 30, 30], score=0.4),
    ]
    g, d = str(tmp_path / 'gt.json'), str(tmp_path / 'det.json')
    json.dump(gt, open(g, 'w'))
    json.dump(dets, open(d, 'w'))
    out = str(tmp_path / 'fp.json')
    stats = fp_tool['main']([g, d, '--score-thr', '0.3', '0.5', '--out',
                             out])
    assert stats['0.3'] == dict(detections=3, false_positives=2,
                                fp_per_image=1.0, inside_larger=1,
                                inside_larger_frac=0.5)
    assert stats['0.5']['false_positives'] == 1
    assert stats['0.5']['inside_larger_frac'] == 1.0
    assert json.load(open(out))['stats'] == stats
    assert '(50%)' in capsys.readouterr().out
