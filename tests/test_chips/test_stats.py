# Copyright (c) mmsniper contributors. All rights reserved.
import json
import os.path as osp
import runpy
import sys

import numpy as np
import pytest

from mmsniper.chips.stats import chip_stats, load_coco_boxes, random_records
from mmsniper.chips.suggest import format_config, suggest_scales

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _coco(tmp_path, records):
    images, anns = [], []
    for k, r in enumerate(records):
        images.append(dict(id=k, file_name=f'{k:06d}.jpg',
                           height=r['height'], width=r['width']))
        for b in r['bboxes']:
            anns.append(dict(id=len(anns), image_id=k, category_id=1,
                             bbox=[b[0], b[1], b[2] - b[0], b[3] - b[1]],
                             area=float((b[2] - b[0]) * (b[3] - b[1])),
                             iscrowd=int(len(anns) % 7 == 0)))
    path = str(tmp_path / 'ann.json')
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=anns,
                       categories=[dict(id=1, name='a')]), f)
    return path


def test_load_and_stats(tmp_path):
    recs = random_records(6, seed=1)
    loaded = load_coco_boxes(_coco(tmp_path, recs))
    assert len(loaded) == 6
    np.testing.assert_allclose(loaded[0]['bboxes'], recs[0]['bboxes'])
    assert loaded[0]['ignore'][0]  # crowd -> ignore
    st = chip_stats(loaded, seed=0)
    assert st['coverage'] == 1.0 and 0.9 < st['valid_frac'] <= 1.0
    assert st['chips_per_img'].shape == (3, )
    assert 0 < st['pixel_frac_total'] < 1
    with pytest.raises(ValueError, match='COCO'):
        bad = tmp_path / 'bad.json'
        bad.write_text('[1, 2]')
        load_coco_boxes(str(bad))


def test_suggest_reproduces_coco_choice():
    rng = np.random.default_rng(0)
    recs = []
    for _ in range(100):
        s = np.exp(rng.normal(np.log(60), 1.1, 7))
        xy = rng.uniform(0, 400, (7, 2))
        recs.append(dict(height=480, width=640,
                         bboxes=np.hstack([xy, xy + s[:, None]])))
    sug = suggest_scales(recs)
    assert sug['scales'] == (3.2, 1.6, 512)
    assert sug['valid_ranges'] == ((-1, 75), (33, 150), (120, -1))
    assert 'scales=(3.2, 1.6, 512)' in format_config(sug)
    with pytest.raises(ValueError, match='no usable boxes'):
        suggest_scales([dict(height=10, width=10, bboxes=np.zeros((0, 4)))])


def test_tools_run(tmp_path, capsys, monkeypatch):
    ann = _coco(tmp_path, random_records(3, seed=2))
    for tool, args in (('chip_stats.py', [ann]),
                       ('benchmark_chips.py',
                        ['--ann-file', ann, '--repeat', '1'])):
        monkeypatch.setattr(sys, 'argv', [tool] + args)
        runpy.run_path(osp.join(REPO, 'tools', 'analysis', tool),
                       run_name='__main__')
    out = capsys.readouterr().out
    assert 'valid boxes covered: 100.00%' in out
    assert 'op == reference on every cover: True' in out
