"""SniperLocalVisualizer: one picture per chip sample (repeats included),
ignored boxes dashed beside the solid trained ones, other samples as
mmdet draws them."""
import os
import os.path as osp

import mmcv
import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.structures import InstanceData

from mmsniper.visualization import (FocusVisualizer, SniperLocalVisualizer,
                                    chip_sample_name)

CHIP_META = dict(img_path='/data/000003.jpg', img_shape=(96, 96),
                 chip=np.array([256., 64., 352., 160.], np.float32),
                 chip_scale_idx=1, chip_factor=0.75)
WHITE = (255, 255, 255)


def _sample(meta=CHIP_META, ignored=((10, 50, 80, 90), )):
    sample = DetDataSample(metainfo=dict(meta))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[20., 10., 60., 40.]]),
        labels=torch.tensor([0]))
    sample.ignored_instances = InstanceData(
        bboxes=HorizontalBoxes(torch.tensor(ignored, dtype=torch.float32)
                               .reshape(-1, 4)),
        labels=torch.zeros(len(ignored), dtype=torch.long))
    return sample


def _visualizer(cls=SniperLocalVisualizer, **kw):
    vis = cls(name=f'test_sniper_vis_{cls.__name__}_{len(kw)}',
              bbox_color=(0, 0, 255), line_width=2, **kw)
    vis.dataset_meta = dict(classes=('a', ), palette=[(0, 0, 255)])
    return vis


def test_chip_sample_name():
    assert chip_sample_name('000003.jpg', CHIP_META) == \
        '000003_s1_x256_y64.jpg'
    assert chip_sample_name('/out/000003.jpg', CHIP_META) == \
        '/out/000003_s1_x256_y64.jpg'
    assert chip_sample_name('000003.jpg', dict(img_path='x')) == \
        '000003.jpg'


def test_one_picture_per_chip_sample_repeats_included(tmp_path):
    vis = _visualizer()
    img = np.zeros((96, 96, 3), np.uint8)
    other = dict(CHIP_META, chip=np.array([0., 0., 96., 96.]),
                 chip_scale_idx=2)
    for meta in (CHIP_META, other, CHIP_META):  # the first chip repeated
        vis.add_datasample('000003.jpg', img, _sample(meta), draw_pred=False,
                           out_file=str(tmp_path / '000003.jpg'))
    assert sorted(os.listdir(tmp_path)) == [
        '000003_s1_x256_y64.jpg', '000003_s1_x256_y64_2.jpg',
        '000003_s2_x0_y0.jpg'
    ]


def test_ignored_boxes_dashed_and_trained_solid(tmp_path):
    vis = _visualizer(draw_caption=False)
    img = np.zeros((96, 96, 3), np.uint8)
    vis.add_datasample('c.jpg', img, _sample(), draw_pred=False,
                       out_file=str(tmp_path / 'c.jpg'))
    drawn = vis.get_image()  # RGB
    # the ignored box's left edge (x = 10, y 50..90): white dashes with gaps
    edge = drawn[52:88, 9:12].max(axis=1)
    white = (edge.min(axis=1) > 150)
    assert 0.2 < white.mean() < 0.9
    # the trained box's top edge (y = 10, x 20..60): solid blue
    top = drawn[9:12, 22:58].max(axis=0)
    assert (top[:, 2] > 150).all() and (top[:, 0] < 100).all()
    assert osp.isfile(tmp_path / 'c_s1_x256_y64.jpg')
    # a sample without ignored boxes draws as mmdet does, caption aside
    plain = _visualizer(draw_caption=False)
    plain.add_datasample('c.jpg', img, _sample(ignored=()), draw_pred=False)
    assert not (plain.get_image()[52:88, 9:12] > 150).all(axis=2).any()


def test_caption_and_non_chip_samples(tmp_path):
    vis = _visualizer()
    img = np.zeros((96, 96, 3), np.uint8)
    assert vis.chip_caption(CHIP_META) == 's1 x0.75 | dashed: ignored'
    vis.add_datasample('c.jpg', img, _sample(ignored=()), draw_pred=False)
    assert vis.get_image()[2:10, 2:40].max() > 150  # the caption
    # a full-image sample (no chip): mmdet's name, no caption
    meta = dict(img_path='/data/000004.jpg', img_shape=(96, 96))
    out = str(tmp_path / '000004.jpg')
    vis.add_datasample('000004.jpg', img, _sample(meta, ignored=()),
                       draw_pred=False, out_file=out)
    assert os.listdir(tmp_path) == ['000004.jpg']
    assert mmcv.imread(out)[2:8, 2:8].max() < 60
    # FocusVisualizer (AutoFocus) draws chip samples the same way
    focus = _visualizer(FocusVisualizer)
    focus.add_datasample('000003.jpg', img, _sample(), draw_pred=False,
                         out_file=str(tmp_path / '000003.jpg'))
    assert osp.isfile(tmp_path / '000003_s1_x256_y64.jpg')
