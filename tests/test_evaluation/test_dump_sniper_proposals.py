"""DumpSniperProposals: mmdet's DumpProposals writing the mmsniper proposal
file (keyed by img_id, float32 [P, 5], meta), all-or-nothing."""
import os

import numpy as np
import pytest
import torch

from mmsniper.datasets import load_proposals
from mmsniper.evaluation import DumpSniperProposals


def _sample(img_id, boxes, scores):
    return dict(img_id=img_id, img_path=f'imgs/{img_id}.png',
                pred_instances=dict(bboxes=torch.tensor(boxes),
                                    scores=torch.tensor(scores)))


def test_writes_the_proposal_format(tmp_path):
    from mmdet.evaluation.metrics import DumpProposals
    out = str(tmp_path / 'sub' / 'props.pkl')
    metric = DumpSniperProposals(out, meta=dict(scales=[0.5]))
    assert isinstance(metric, DumpProposals)
    metric.process({}, [
        # the model's order is kept (not re-sorted by score)
        _sample(3, [[0., 0., 10., 10.], [5., 5., 20., 30.]], [0.2, 0.9]),
        _sample(7, np.zeros((0, 4), np.float32), np.zeros(0, np.float32)),
    ])
    metrics = metric.evaluate(2)
    assert metrics == {'dump_proposals/num_images': 2,
                       'dump_proposals/mean_per_image': 1.0}
    props = load_proposals(out)
    assert sorted(props) == [3, 7]
    np.testing.assert_array_equal(
        props[3], np.float32([[0, 0, 10, 10, 0.2], [5, 5, 20, 30, 0.9]]))
    assert props[7].shape == (0, 5)
    import pickle
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert data['format'] == 'mmsniper.proposals'
    assert data['meta']['scales'] == [0.5] and data['meta']['seconds'] >= 0
    # written through a temporary file renamed over the target
    assert os.listdir(tmp_path / 'sub') == ['props.pkl']


def test_num_max_proposals_and_errors(tmp_path):
    metric = DumpSniperProposals(str(tmp_path / 'p.pkl'), num_max_proposals=1)
    metric.process({}, [_sample(1, [[0., 0., 4., 4.], [1., 1., 5., 5.]],
                                [0.3, 0.8])])
    metric.evaluate(1)
    np.testing.assert_array_equal(
        load_proposals(str(tmp_path / 'p.pkl'))[1],
        np.float32([[0, 0, 4, 4, 0.3]]))
    bad = _sample(1, [[0., 0., 4., 4.]], [0.3])
    del bad['img_id']
    with pytest.raises(KeyError, match=r"imgs/1.png has no 'img_id'"):
        metric.process({}, [bad])
    with pytest.raises(AssertionError, match='pkl'):
        DumpSniperProposals(str(tmp_path / 'p.json'))
