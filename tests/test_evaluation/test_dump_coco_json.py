"""DumpCocoJson: COCO results json of any dataset (xywh boxes, category ids
from the annotation json or label + 1), written atomically."""
import json
import os

import pytest
import torch

from mmsniper.evaluation.dump_coco_json import DumpCocoJson


def _sample(img_id, boxes, scores, labels):
    return dict(img_id=img_id, pred_instances=dict(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        scores=torch.tensor(scores), labels=torch.tensor(labels)))


def _run(metric, samples):
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def test_boxes_and_category_ids_from_the_json(tmp_path):
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(dict(categories=[
        dict(id=7, name='b'), dict(id=3, name='a')])))
    out = tmp_path / 'dets.json'
    m = DumpCocoJson(str(out), ann_file=str(ann))
    m.dataset_meta = dict(classes=('a', 'b'))
    res = _run(m, [_sample(5, [[10, 20, 40, 60], [0, 0, 1, 1]], [0.9, 0.25],
                           [1, 0]), _sample(6, [], [], [])])
    assert res == dict(num_dets=2)
    dets = json.loads(out.read_text())
    assert dets == [
        dict(image_id=5, category_id=7, bbox=[10.0, 20.0, 30.0, 40.0],
             score=0.9),
        dict(image_id=5, category_id=3, bbox=[0.0, 0.0, 1.0, 1.0],
             score=0.25)]
    assert set(os.listdir(tmp_path)) == {'ann.json', 'dets.json'}


def test_label_plus_one_without_a_coco_json(tmp_path):
    out = tmp_path / 'dets.json'
    m = DumpCocoJson(str(out))
    m.dataset_meta = dict(classes=('a', 'b', 'c'))
    _run(m, [_sample('img_1', [[1, 2, 3, 4]], [0.5], [2])])
    assert json.loads(out.read_text())[0]['category_id'] == 3


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match='must end with .json'):
        DumpCocoJson(str(tmp_path / 'dets.pkl'))
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(dict(categories=[dict(id=1, name='a')])))
    m = DumpCocoJson(str(tmp_path / 'dets.json'), ann_file=str(ann))
    m.dataset_meta = dict(classes=('a', 'zebra'))
    with pytest.raises(ValueError, match=r"\['zebra'\] not found"):
        _run(m, [_sample(1, [[1, 2, 3, 4]], [0.5], [0])])
    assert not (tmp_path / 'dets.json').exists()
