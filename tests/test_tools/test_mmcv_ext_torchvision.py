"""tools/misc/mmcv_ext_torchvision.py: the stand-in for mmcv's compiled ops
of the offline GPU check, against mmcv's own ops (where compiled) and a
pure RoIAlign reference (where torchvision imports)."""
import importlib.util
import math
import os.path as osp

import numpy as np
import pytest
import torch


def _load(repo_root):
    path = osp.join(repo_root, 'tools', 'misc', 'mmcv_ext_torchvision.py')
    spec = importlib.util.spec_from_file_location('mmcv_ext_tv', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def shim(repo_root):
    return _load(repo_root)


def _real_ext():
    try:
        import mmcv._ext as ext
    except ImportError:
        return None
    return None if getattr(ext, 'SHIM', False) else ext


def _boxes(n, seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 80, (n, 2))
    wh = rng.uniform(2, 40, (n, 2))
    boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
    scores = rng.uniform(0.01, 1, n).astype(np.float32)
    return torch.from_numpy(boxes), torch.from_numpy(scores)


def test_nms_hand_made(shim):
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30],
                          [0, 0, 10, 9.]])
    scores = torch.tensor([0.9, 0.8, 0.7, 0.95])
    # box 3 (0.95) suppresses 0 (IoU 0.9) and 1 (IoU 0.67); 2 is apart
    assert shim.nms(boxes, scores, 0.5).tolist() == [3, 2]
    assert shim.nms(boxes, scores, 0.95).tolist() == [3, 0, 1, 2]
    assert shim.nms(boxes[:0], scores[:0], 0.5).numel() == 0


@pytest.mark.parametrize('offset', [0, 1])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_nms_matches_mmcv(shim, offset, seed):
    ext = _real_ext()
    if ext is None:
        pytest.skip('mmcv without compiled ops')
    boxes, scores = _boxes(300, seed)
    ref = ext.nms(boxes, scores, iou_threshold=0.5, offset=offset)
    assert shim.nms(boxes, scores, 0.5, offset).tolist() == ref.tolist()


@pytest.mark.parametrize('method', [0, 1, 2])
@pytest.mark.parametrize('seed', [0, 3])
def test_softnms_matches_mmcv(shim, method, seed):
    ext = _real_ext()
    if ext is None:
        pytest.skip('mmcv without compiled ops')
    boxes, scores = _boxes(400, seed)
    kw = dict(iou_threshold=0.3, sigma=0.55, min_score=1e-3, method=method,
              offset=0)
    dets_ref = boxes.new_empty((400, 5))
    inds_ref = ext.softnms(boxes, scores, dets_ref, **kw)
    dets = boxes.new_empty((400, 5))
    inds = shim.softnms(boxes, scores, dets, **kw)
    assert inds.tolist() == inds_ref.tolist()
    k = len(inds)
    torch.testing.assert_close(dets[:k], dets_ref[:k], rtol=1e-5, atol=1e-5)


def test_softnms_hand_made(shim):
    boxes = torch.tensor([[0, 0, 10, 10], [0, 0, 10, 10], [50, 50, 60, 60.]])
    scores = torch.tensor([0.9, 0.8, 0.5])
    dets = boxes.new_empty((3, 5))
    # linear: the duplicate (IoU 1) is rescored to 0 and dropped
    inds = shim.softnms(boxes, scores, dets, 0.3, 0.5, 1e-3, 1, 0)
    assert inds.tolist() == [0, 2]
    assert dets[:2, 4].tolist() == pytest.approx([0.9, 0.5])
    # gaussian: the duplicate survives at 0.8 * exp(-1 / 0.5)
    inds = shim.softnms(boxes, scores, dets, 0.3, 0.5, 1e-3, 2, 0)
    assert inds.tolist() == [0, 2, 1]
    assert float(dets[2, 4]) == pytest.approx(0.8 * math.exp(-2), rel=1e-5)
    with pytest.raises(ValueError, match='unknown method 7'):
        shim.softnms(boxes, scores, dets, 0.3, 0.5, 1e-3, 7, 0)


def test_missing_op_raises_with_its_name(shim):
    with pytest.raises(NotImplementedError, match="'deform_conv_forward'"):
        shim.deform_conv_forward(torch.zeros(1))
    assert hasattr(shim, 'nms_rotated')  # mmcv's load_ext asks hasattr


def _roi_align_ref(feat, rois, ph, pw, scale, sr, aligned):
    """mmcv's RoIAlign (average), one sample at a time, differentiable."""
    _, _, h, w = feat.shape
    out = []
    for roi in rois:
        b = int(roi[0])
        off = 0.5 if aligned else 0.
        x1, y1, x2, y2 = [float(v) * scale - off for v in roi[1:]]
        rw, rh = x2 - x1, y2 - y1
        if not aligned:
            rw, rh = max(rw, 1.), max(rh, 1.)
        bh, bw = rh / ph, rw / pw
        gh = sr if sr > 0 else int(math.ceil(rh / ph))
        gw = sr if sr > 0 else int(math.ceil(rw / pw))
        cells = torch.zeros(feat.shape[1], ph, pw, dtype=feat.dtype)
        for i in range(ph):
            for j in range(pw):
                acc = torch.zeros(feat.shape[1], dtype=feat.dtype)
                for iy in range(gh):
                    y = y1 + i * bh + (iy + .5) * bh / gh
                    for ix in range(gw):
                        x = x1 + j * bw + (ix + .5) * bw / gw
                        if y < -1 or y > h or x < -1 or x > w:
                            continue
                        y, x = max(y, 0.), max(x, 0.)
                        yl, xl = int(y), int(x)
                        if yl >= h - 1:
                            yl = yh = h - 1
                            y = float(yl)
                        else:
                            yh = yl + 1
                        if xl >= w - 1:
                            xl = xh = w - 1
                            x = float(xl)
                        else:
                            xh = xl + 1
                        ly, lx = y - yl, x - xl
                        acc = acc + (
                            (1 - ly) * (1 - lx) * feat[b, :, yl, xl] +
                            (1 - ly) * lx * feat[b, :, yl, xh] +
                            ly * (1 - lx) * feat[b, :, yh, xl] +
                            ly * lx * feat[b, :, yh, xh])
                cells[:, i, j] = acc / max(gh * gw, 1)
        out.append(cells)
    return torch.stack(out)


@pytest.mark.parametrize('aligned,sr', [(True, 0), (True, 2), (False, 0)])
def test_roi_align_matches_reference(shim, aligned, sr):
    if shim._torchvision() is None:
        pytest.skip('torchvision does not import here')
    g = torch.Generator().manual_seed(0)
    feat = torch.rand(2, 3, 12, 16, generator=g, dtype=torch.float64)
    rois = torch.tensor([[0, 1.3, 2.2, 9.7, 8.1], [1, 0, 0, 15.5, 11.5],
                         [1, 10.2, 3.3, 13.1, 4.0], [0, -2, -1, 5, 30]],
                        dtype=torch.float64)
    out = feat.new_zeros((4, 3, 3, 2))
    shim.roi_align_forward(feat, rois, out, feat.new_zeros(0),
                           feat.new_zeros(0), 3, 2, 0.5, sr, 1, aligned)
    ref_in = feat.clone().requires_grad_(True)
    ref = _roi_align_ref(ref_in, rois, 3, 2, 0.5, sr, aligned)
    torch.testing.assert_close(out, ref)
    grad_out = torch.rand(out.shape, generator=g, dtype=torch.float64)
    ref.backward(grad_out)
    grad_in = torch.zeros_like(feat)
    shim.roi_align_backward(grad_out, rois, feat.new_zeros(0),
                            feat.new_zeros(0), grad_in, 3, 2, 0.5, sr, 1,
                            aligned)
    torch.testing.assert_close(grad_in, ref_in.grad)
    with pytest.raises(NotImplementedError, match='pool_mode max'):
        shim.roi_align_forward(feat, rois, out, out, out, 3, 2, 0.5, sr, 0,
                               aligned)


@pytest.mark.parametrize('method', [0, 1, 2])
def test_softnms_exact_loop_matches_mmcv(shim, method):
    """The loop numba compiles on the GPU machine, run as plain python."""
    ext = _real_ext()
    if ext is None:
        pytest.skip('mmcv without compiled ops')
    boxes, scores = _boxes(150, 5)
    scores[::7] = 0.5  # ties: the exact port breaks them as mmcv does
    dets_ref = boxes.new_empty((150, 5))
    inds_ref = ext.softnms(boxes, scores, dets_ref, iou_threshold=0.3,
                           sigma=0.55, min_score=1e-3, method=method,
                           offset=0)
    out = np.zeros((150, 5), np.float32)
    inds = shim._softnms_exact(boxes.numpy().copy(), scores.numpy().copy(),
                               out, np.float32(0.3), np.float32(0.55),
                               np.float32(1e-3), method, np.float32(0))
    assert inds.tolist() == inds_ref.tolist()
    k = len(inds)
    np.testing.assert_allclose(out[:k], dets_ref[:k].numpy(), rtol=1e-5,
                               atol=1e-5)
