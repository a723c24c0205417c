"""Python inference API, image conversion rules, bad inputs, test modes and
the demo."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

import mmsniper  # noqa: F401
from mmsniper.apis import (apply_test_mode, inference_autofocus,
                           inference_image, inference_multiscale,
                           init_sniper_detector, load_image, result_to_dict,
                           to_bgr8)


pytestmark = pytest.mark.usefixtures('single_thread')


CONFIG = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501


def _img(h=150, w=190, seed=0):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), np.uint8)


@pytest.mark.parametrize('kind', ['gray', 'gray1', 'rgba', 'u16', 'u16gray'])
def test_files_match_opencv_imread_color(tmp_path, kind):
    base = _img(40, 50)
    img = dict(
        gray=base[..., 0],
        gray1=base[..., :1],
        rgba=np.dstack([base, np.full(base.shape[:2], 7, np.uint8)]),
        u16=base.astype(np.uint16) * 257 + 3,
        u16gray=base[..., 0].astype(np.uint16) * 300)[kind]
    path = str(tmp_path / f'{kind}.png')
    assert cv2.imwrite(path, img)
    ours = load_image(path)
    assert ours.shape == (40, 50, 3) and ours.dtype == np.uint8
    np.testing.assert_array_equal(ours, cv2.imread(path, cv2.IMREAD_COLOR))
    # the same pixels given as an array give the same image
    np.testing.assert_array_equal(to_bgr8(img), ours)


def test_to_bgr8_rules():
    f = np.array([[0., 0.5, 1.]])
    assert to_bgr8(f)[0, :, 0].tolist() == [0, 128, 255]
    f = np.array([[0., 127.6, 300., np.nan]])
    assert to_bgr8(f)[0, :, 0].tolist() == [0, 128, 255, 0]
    assert to_bgr8(np.array([[True, False]]))[0, :, 1].tolist() == [255, 0]
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[..., 0] = 200  # red in RGB
    assert to_bgr8(rgb, channel_order='rgb')[0, 0].tolist() == [0, 0, 200]
    with pytest.raises(ValueError, match='shape'):
        to_bgr8(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match='empty'):
        to_bgr8(np.zeros((0, 3, 3)))


def test_missing_and_corrupted_files(tmp_path):
    missing = str(tmp_path / 'nope.jpg')
    with pytest.raises(FileNotFoundError, match='nope.jpg'):
        load_image(missing)
    bad = tmp_path / 'broken.jpg'
    bad.write_bytes(b'not a jpeg at all' * 10)
    with pytest.raises(ValueError, match='broken.jpg'):
        load_image(str(bad))
    empty = tmp_path / 'empty.png'
    empty.write_bytes(b'')
    with pytest.raises(ValueError, match='empty.png'):
        load_image(str(empty))


def test_test_set_bad_files_named(tmp_path, repo_root):
    """The multi-scale test pipeline (mmcv's LoadImageFromFile) names the
    file it cannot read."""
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    load = Compose(cfg.multiscale_test_pipeline[:1])
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        load(dict(img_path=str(tmp_path / 'missing.jpg')))
    bad = tmp_path / 'corrupt.jpg'
    bad.write_bytes(b'\xff\xd8garbage')
    with pytest.raises(Exception, match='corrupt.jpg'):
        load(dict(img_path=str(bad)))


#: small scales and few proposals keep the random-weight runs fast
#: (the budgets and the pyramid's scales are keys of the `sniper` block)
FAST = dict(
    model=dict(test_cfg=dict(rpn=dict(max_per_img=30))),
    autofocus_test_model=dict(autofocus_cfg=dict(scales=(64, 0.5, 1.0))),
    sniper=dict(test_scales=(1.0, 0.5, 64),
                test_rpn_budget=dict(min=10, max=30),
                test_det_budget=dict(min=10, max=30)))


@pytest.fixture(scope='module')
def autofocus_model(repo_root):
    torch.manual_seed(0)
    return init_sniper_detector(
        osp.join(repo_root, CONFIG), None, mode='autofocus', cfg_options=FAST)


@pytest.mark.parametrize('kind', ['gray', 'rgba', 'u16'])
def test_inference_autofocus_inputs(autofocus_model, kind):
    base = _img(90, 120)
    img = dict(bgr=base, gray=base[..., 1],
               rgba=np.dstack([base, base[..., :1]]),
               u16=base.astype(np.uint16) * 256)[kind]
    res = inference_autofocus(autofocus_model, img)
    out = result_to_dict(res)
    assert out['bboxes'].shape[1] == 4 and out['bboxes'].dtype == np.float32
    assert len(out['bboxes']) == len(out['scores']) == len(out['labels'])
    assert out['pixels_processed'] > 0 and len(out['focus_chips']) == 3
    assert out['focus_map'].ndim == 2
    if len(out['bboxes']):
        assert out['bboxes'][:, 2].max() <= 120 + 1e-3


def test_inference_from_path_and_modes(tmp_path, repo_root, autofocus_model):
    path = str(tmp_path / 'img.png')
    cv2.imwrite(path, _img(90, 120))
    a = inference_autofocus(autofocus_model, path)
    b = inference_autofocus(autofocus_model, cv2.imread(path))
    assert torch.equal(a.pred_instances.bboxes, b.pred_instances.bboxes)
    with pytest.raises(TypeError, match='SniperMultiScaleTTA'):
        inference_multiscale(autofocus_model, path)
    sniper = init_sniper_detector(osp.join(repo_root, CONFIG), None,
                                  mode='sniper', cfg_options=FAST)
    r = inference_multiscale(sniper, path)
    assert r.pixels_processed == r.full_pyramid_pixels
    single = init_sniper_detector(osp.join(repo_root, CONFIG), None,
                                  mode='single', cfg_options=FAST)
    r = inference_image(single, path)
    assert 'pred_focus_map' in r and 'bboxes' in r.pred_instances
    with pytest.raises(FileNotFoundError, match='nope.png'):
        inference_image(single, str(tmp_path / 'nope.png'))


def test_apply_test_mode(repo_root):
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    apply_test_mode(cfg, 'autofocus')
    assert cfg.model.type == 'AutoFocusDetector'
    assert cfg.model.detector.type == 'FocusFasterRCNN'
    assert [t['type'] for t in cfg.test_dataloader.dataset.pipeline] == [
        'LoadImageFromFile', 'LoadAnnotations', 'PackDetInputs']
    assert [m['type'] for m in cfg.test_evaluator] == [
        'CocoMetric', 'ProcessedPixelsMetric']
    with pytest.raises(ValueError, match='already'):
        apply_test_mode(cfg, 'sniper')
    # a plain config: defaults to the spec's wrapper, pipeline derived
    cfg = Config.fromfile(
        osp.join(repo_root,
                 'configs/synthetic/faster-rcnn_r18-w16_fpn_quickstart_'
                 'synthetic.py'))
    with pytest.raises(ValueError, match='focus_head'):
        apply_test_mode(cfg, 'autofocus')
    apply_test_mode(cfg, 'sniper')
    assert cfg.model.type == 'SniperMultiScaleTTA'
    assert 'Resize' not in [
        t['type'] for t in cfg.test_dataloader.dataset.pipeline]
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    cfg.test_mode = 'sniper'
    apply_test_mode(cfg)
    assert cfg.model.type == 'SniperMultiScaleTTA'
    with pytest.raises(ValueError, match='test mode'):
        apply_test_mode(Config(dict(model=dict())), 'bogus')


def test_demo_smoke(tmp_path, repo_root):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'image_demo', osp.join(repo_root, 'demo', 'image_demo.py'))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    folder = tmp_path / 'imgs'
    folder.mkdir()
    cv2.imwrite(str(folder / 'a.png'), _img(90, 120)[..., 0])  # grayscale
    out_dir = str(tmp_path / 'out')
    assert demo.main([str(folder), osp.join(repo_root, CONFIG), ckpt,
                      '--mode', 'autofocus', '--show-chips',
                      '--show-heatmap', '--out-dir', out_dir,
                      '--cfg-options',
                      'autofocus_test_model.autofocus_cfg.scales=[64,0.5,1]',
                      'sniper.test_rpn_budget.max=30',
                      'model.test_cfg.rpn.max_per_img=30']) == 0
    drawn = cv2.imread(osp.join(out_dir, 'a.jpg'))
    assert drawn.shape == (90, 120, 3)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        demo.main([str(folder / 'missing.png'), osp.join(repo_root, CONFIG),
                   ckpt])
