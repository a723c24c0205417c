"""FocusVisualizer: AutoFocus pictures of tools/test.py --show-dir (mmdet's
DetVisualizationHook call): FocusChips in their scale colours, the FocusPixel
heat map with opacity ~ p, a legend; other samples as before."""
import itertools

import cv2
import mmcv
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData, PixelData

from mmsniper.visualization import FocusVisualizer, SniperLocalVisualizer
from mmsniper.visualization.focus_visualizer import chip_color

H, W = 240, 400
GRAY = 100
CHIPS1 = [[224., 128., 400., 240.]]  # scale 1
CHIPS2 = [[256., 160., 352., 224.]]  # scale 2, inside the scale-1 chip


def _jet(p: float) -> np.ndarray:
    """RGB JET colour of p, straight from OpenCV."""
    bgr = cv2.applyColorMap(np.array([[int(p * 255)]], np.uint8),
                            cv2.COLORMAP_JET)
    return bgr[0, 0, ::-1].astype(np.float64)


def _prob() -> np.ndarray:
    """A (15, 25) map of 16 px cells: 1 in the bottom-right block
    (y >= 144, x >= 240), 0.5 in one cell (y 80..96, x 352..368), 0
    elsewhere."""
    prob = np.zeros((15, 25), np.float32)
    prob[9:, 15:] = 1.
    prob[5, 22] = 0.5
    return prob


def _sample(with_gt: bool = True, with_pred: bool = True,
            focus: bool = True) -> DetDataSample:
    meta = dict(img_path='/data/000001.png', img_shape=(H, W),
                ori_shape=(H, W), scale_factors=[1.0, 1.5, 3.0])
    if focus:
        meta.update(focus_chips=[np.array([[0., 0., W, H]], np.float32),
                                 np.array(CHIPS1, np.float32),
                                 np.array(CHIPS2, np.float32)],
                    pixels_processed=12345, full_pyramid_pixels=99999)
    sample = DetDataSample(metainfo=meta)
    if with_gt:
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor([[20., 160., 60., 200.]]),
            labels=torch.tensor([0]))
    if with_pred:
        sample.pred_instances = InstanceData(
            bboxes=torch.tensor([[20., 160., 60., 200.]]),
            scores=torch.tensor([0.9]),
            labels=torch.tensor([0]))
    if focus:
        sample.pred_focus_map = PixelData(
            prob=torch.from_numpy(_prob())[None],
            metainfo=dict(stride=16, scale_factor=1.0))
    return sample


_COUNT = itertools.count()


def _visualizer(**kw) -> FocusVisualizer:
    # get_instance: a fresh current instance, as a runner builds it
    vis = FocusVisualizer.get_instance(
        f'test_focus_vis_{next(_COUNT)}', bbox_color=(0, 0, 255),
        line_width=2, **kw)
    vis.dataset_meta = dict(classes=('a', ), palette=[(0, 0, 255)])
    return vis


def _run_hook(vis, sample, tmp_path, image) -> str:
    """mmdet's DetVisualizationHook.after_test_iter on one output (as
    ``tools/test.py --show-dir vis`` runs it): it reads the image file and
    calls ``add_datasample`` with its fixed arguments. Returns the picture's
    path."""
    from types import SimpleNamespace

    from mmdet.engine.hooks import DetVisualizationHook
    path = str(tmp_path / '000001.png')
    mmcv.imwrite(image[..., ::-1], path)  # BGR on disk
    sample.set_metainfo(dict(img_path=path))
    hook = DetVisualizationHook(draw=True, test_out_dir='vis')
    assert hook._visualizer is vis  # the current instance
    runner = SimpleNamespace(work_dir=str(tmp_path), timestamp='t0')
    hook.after_test_iter(runner, 0, {}, [sample])
    return str(tmp_path / 't0' / 'vis' / '000001.png')


def test_hook_call_draws_chips_heatmap_and_legend(tmp_path):
    image = np.full((H, W, 3), GRAY, np.uint8)
    out = _run_hook(_visualizer(), _sample(), tmp_path, image)
    drawn = mmcv.imread(out)[..., ::-1].astype(np.int64)  # RGB
    assert drawn.shape == (H, 2 * W, 3)  # ground truth | predictions
    gt, pred = drawn[:, :W], drawn[:, W:]
    # FocusChip edges in the colour of their scale (scale 1 left edge at
    # x = 224, scale 2 left edge at x = 256)
    assert tuple(pred[200, 224]) == chip_color(1)
    assert tuple(pred[128, 300]) == chip_color(1)  # top edge, y = 128
    assert tuple(pred[190, 256]) == chip_color(2)
    assert tuple(pred[160, 300]) == chip_color(2)  # top edge, y = 160
    assert chip_color(1) != chip_color(2)
    # cells of p = 0 are untouched (away from the legend, box and chips)
    assert (pred[130:236, 110:216] == GRAY).all()
    assert (pred[70:124, 240:340] == GRAY).all()  # above the chips
    # cells of p = 1: blended with the JET colour of 1 at opacity 0.6
    want = np.round(GRAY * 0.4 + _jet(1.0) * 0.6)
    block = pred[228:236, 362:394].reshape(-1, 3)
    assert np.abs(block - want).max() <= 1
    assert (block != GRAY).any(axis=1).all()
    # the cell of p = 0.5: opacity 0.3
    cell = pred[82:94, 354:366].reshape(-1, 3)
    want = np.round(GRAY * 0.7 + _jet(0.5) * 0.3)
    assert np.abs(cell - want).max() <= 1
    # legend at the top left: darkened box with white text and swatches
    legend = pred[6:50, 6:120]
    assert legend.min() < 50 and legend.max() > 200
    assert (legend != GRAY).any(axis=2).mean() > 0.5
    colours = {tuple(int(v) for v in px) for px in legend.reshape(-1, 3)}
    assert chip_color(1) in colours and chip_color(2) in colours
    # the ground truth panel keeps the plain image there
    assert (gt[130:236, 240:W] == GRAY).all()
    assert (gt[6:50, 6:120] == GRAY).all()


def test_init_flags_and_per_call_flags():
    image = np.full((H, W, 3), GRAY, np.uint8)

    def pred_panel(vis, **kw):
        vis.add_datasample('x', image, _sample(with_gt=False),
                           draw_gt=False, pred_score_thr=0.3, **kw)
        return vis.get_image().astype(np.int64)

    plain = pred_panel(_visualizer(draw_focus_map=False,
                                   draw_focus_chips=False))
    assert plain.shape == (H, W, 3)
    assert (plain[130:, 110:] == GRAY).all()  # no heat, chips, legend
    assert (plain[6:50, 6:120] == GRAY).all()
    # per-call flags still work, both ways
    heat_only = pred_panel(_visualizer(draw_focus_map=False,
                                       draw_focus_chips=False),
                           draw_focus_map=True)
    assert (heat_only[228:236, 362:394] != GRAY).any(axis=2).all()
    assert tuple(heat_only[190, 256]) != chip_color(2)
    chips_only = pred_panel(_visualizer(), draw_focus_map=False)
    assert tuple(chips_only[190, 256]) == chip_color(2)
    assert (chips_only[228:236, 362:394] == GRAY).all()
    # the legend can be switched off
    no_legend = pred_panel(_visualizer(draw_focus_legend=False))
    assert (no_legend[6:50, 6:120] == GRAY).all()
    assert tuple(no_legend[190, 256]) == chip_color(2)


def test_samples_without_focus_and_without_pred_panel():
    image = np.full((H, W, 3), GRAY, np.uint8)
    # a single-scale / pyramid result: drawn as SniperLocalVisualizer does
    sample = _sample(focus=False)
    focus = _visualizer()
    focus.add_datasample('x', image, sample)
    plain = SniperLocalVisualizer(name='test_focus_vis_plain',
                                  bbox_color=(0, 0, 255), line_width=2)
    plain.dataset_meta = focus.dataset_meta
    plain.add_datasample('x', image, sample)
    assert (focus.get_image() == plain.get_image()).all()
    # no prediction panel: the drawings go on the image itself
    vis = _visualizer()
    vis.add_datasample('x', image, _sample(with_gt=False, with_pred=False),
                       draw_gt=False)
    drawn = vis.get_image()
    assert tuple(drawn[190, 256]) == chip_color(2)
    assert drawn[6:50, 6:120].min() < 50


def test_heatmap_alpha_is_checked():
    with pytest.raises(ValueError, match='heatmap_alpha'):
        FocusVisualizer(name='test_focus_vis_bad', heatmap_alpha=1.5)


def test_sniper_runtime_uses_focus_visualizer():
    from mmdet.registry import VISUALIZERS
    cfg = Config.fromfile(
        'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py')
    assert cfg.visualizer.type == 'FocusVisualizer'
    # mmdet's runtime keeps its backends and name
    assert cfg.visualizer.name == 'visualizer'
    assert cfg.visualizer.vis_backends == [dict(type='LocalVisBackend')]
    vis = VISUALIZERS.build(
        dict(cfg.visualizer, name='test_focus_vis_cfg', vis_backends=None))
    assert isinstance(vis, FocusVisualizer)
    assert isinstance(vis, SniperLocalVisualizer)  # training chips as before
    assert vis.draw_focus_map and vis.draw_focus_chips
    af = Config.fromfile('configs/autofocus/autofocus_faster-rcnn_r18-w16_'
                         'fpn_1xb8-4e_synthetic_autofocus-test.py')
    assert af.visualizer.type == 'FocusVisualizer'
