"""mmsniper.apis.inference: the image conversion rules, bad inputs, and
inference_image (load_image + mmdet's inference_detector) on a model of
mmdet's init_detector."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

import mmsniper  # noqa: F401
from mmsniper.apis import (inference_image, load_image, result_to_dict,
                           to_bgr8)


CONFIG = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
LEAF = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_autofocus-test.py'  # noqa: E501


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
    """The test-time pipeline (``tta_pipeline``, mmcv's LoadImageFromFile)
    names the file it cannot read."""
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    load = Compose(cfg.tta_pipeline[:1])
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        load(dict(img_path=str(tmp_path / 'missing.jpg')))
    bad = tmp_path / 'corrupt.jpg'
    bad.write_bytes(b'\xff\xd8garbage')
    with pytest.raises(Exception, match='corrupt.jpg'):
        load(dict(img_path=str(bad)))


@pytest.fixture(scope='module')
def autofocus_model(repo_root, af_ckpt):
    from mmdet.apis import init_detector
    return init_detector(osp.join(repo_root, LEAF), af_ckpt[0], device='cpu')


@pytest.mark.parametrize('kind', ['gray', 'rgba', 'u16'])
def test_inference_image_converts_inputs(autofocus_model, kind):
    from mmdet.apis import inference_detector
    base = _img(90, 120)
    img = dict(gray=base[..., 1],
               rgba=np.dstack([base, base[..., :1]]),
               u16=base.astype(np.uint16) * 256 + 7)[kind]
    res = inference_image(autofocus_model, img)
    # the same detections as mmdet's call on the converted BGR array
    ref = inference_detector(autofocus_model, to_bgr8(img))
    torch.testing.assert_close(res.pred_instances.bboxes,
                               ref.pred_instances.bboxes)
    out = result_to_dict(res)
    assert out['bboxes'].shape[1] == 4 and out['bboxes'].dtype == np.float32
    assert len(out['bboxes']) == len(out['scores']) == len(out['labels'])
    assert len(out['bboxes']) > 0
    assert out['bboxes'][:, 2].max() <= 120 + 1e-3
    assert out['pixels_processed'] == sum(out['pixels_per_scale']) > 0
    assert out['pixels_processed'] <= 1.02 * out['full_pyramid_pixels']
    assert len(out['focus_chips']) == 3 and out['focus_map'].ndim == 2


def test_inference_image_paths_and_lists(tmp_path, autofocus_model):
    path = str(tmp_path / 'img.png')
    cv2.imwrite(path, _img(90, 120))
    a = inference_image(autofocus_model, path)
    b = inference_image(autofocus_model, cv2.imread(path))
    torch.testing.assert_close(a.pred_instances.bboxes,
                               b.pred_instances.bboxes)
    rgb = cv2.imread(path)[..., ::-1].copy()
    both = inference_image(autofocus_model, [path, rgb],
                           channel_order='rgb')
    # channel_order applies to arrays; files are read as BGR
    assert isinstance(both, list) and len(both) == 2
    for r in both:
        torch.testing.assert_close(r.pred_instances.bboxes,
                                   a.pred_instances.bboxes)
    with pytest.raises(FileNotFoundError, match='nope.png'):
        inference_image(autofocus_model, str(tmp_path / 'nope.png'))
    with pytest.raises(TypeError, match='init_detector'):
        inference_image(torch.nn.Linear(1, 1), path)
