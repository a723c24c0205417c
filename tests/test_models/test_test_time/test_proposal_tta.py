"""SniperProposalTTA: an RPN's proposals of whole images at every training
scale (top-N per scale, scales merged by one NMS), in original pixels."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox_overlaps
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.models.test_time import SniperProposalTTA

RPN_CFG = 'configs/rpn/sniper_rpn_r18-w16_fpn_1xb8-2e_synthetic.py'


@pytest.fixture(scope='module')
def rpn(repo_root):
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(repo_root, RPN_CFG)).model)
    model.init_weights()
    return model.eval()


def _batch(img, img_id=5):
    return dict(
        inputs=[torch.from_numpy(img.transpose(2, 0, 1).copy())],
        data_samples=[
            DetDataSample(metainfo=dict(img_id=img_id, img_path='a/b.png',
                                        ori_shape=img.shape[:2],
                                        img_shape=img.shape[:2]))
        ])


def _props(sample):
    p = sample.pred_instances
    return torch.cat([p.bboxes, p.scores[:, None]], 1).numpy()


def test_every_scale_top_n_and_merge(rpn):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)
    img[100:180, 150:260] = (0, 200, 0)
    per_scale = SniperProposalTTA(rpn, scales=(0.5, 0.25), num_per_scale=40,
                                  nms_iou=None).test_step(_batch(img))
    assert len(per_scale) == 1
    out = per_scale[0]
    assert out.img_id == 5 and out.img_path == 'a/b.png'
    assert tuple(out.ori_shape) == (300, 400)
    cat = _props(out)
    assert cat.dtype == np.float32 and 40 < len(cat) <= 80
    # original-image pixels, inside the image
    assert (cat[:, [0, 1]] >= -1e-3).all()
    assert (cat[:, 2] <= 400 + 1e-3).all() and (cat[:, 3] <= 300 + 1e-3).all()
    # scale order, each scale's part sorted by score
    one = _props(SniperProposalTTA(rpn, scales=(0.5, ), num_per_scale=40,
                                   nms_iou=None).test_step(_batch(img))[0])
    np.testing.assert_array_equal(cat[:len(one)], one)
    assert (np.diff(one[:, 4]) <= 0).all()
    merged = _props(SniperProposalTTA(rpn, scales=(0.5, 0.25),
                                      num_per_scale=40).test_step(
                                          _batch(img))[0])
    assert 0 < len(merged) < len(cat)
    iou = bbox_overlaps(torch.from_numpy(merged[:, :4]),
                        torch.from_numpy(merged[:, :4]))
    iou.fill_diagonal_(0)
    assert iou.max() <= 0.7 + 1e-5


@pytest.mark.parametrize('kw, match', [
    (dict(scales=()), 'scales is empty'),
    (dict(scales=(dict(factr=2), )), 'factr'),
    (dict(num_per_scale=0), 'num_per_scale'),
    (dict(nms_iou=1.5), 'nms_iou'),
])
def test_bad_arguments(rpn, kw, match):
    with pytest.raises(ValueError, match=match):
        SniperProposalTTA(rpn, **kw)
    with pytest.raises(TypeError, match='inputs'):
        SniperProposalTTA(rpn).test_step([torch.zeros(3, 4, 4)])
