"""One crop-and-resize rule (mmsniper/chips/crop_resize.py): numpy (cv2)
and tensor (grid_sample) versions agree, and its callers (SnipChipCrop at
training time, proposal extraction, the test-time wrappers) use it."""
import cv2
import numpy as np
import pytest
import torch

from mmsniper.chips.crop_resize import (chip_out_size, crop_resize_np,
                                        crop_resize_tensor, window_matrix)


def _img(h, w, c=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, c), np.uint8)


def _diff(a: np.ndarray, t: torch.Tensor) -> np.ndarray:
    t = t.permute(1, 2, 0).numpy() if t.dim() == 3 else t.numpy()
    return np.abs(a.astype(np.float64).reshape(t.shape) - t)


def _windows(h, w, f):
    sh, sw = int(np.floor(h * f + 1e-6)), int(np.floor(w * f + 1e-6))
    return [
        ((0., 0.), (sh, sw)),  # the whole image
        ((5., 7.), (33, 41)),  # integer origin, odd window
        ((3.5, 2.25), (17, 29)),  # fractional origin
        ((-5., -7.), (40, 51)),  # past the top-left: replicated border
        ((sw - 10., sh - 9.), (31, 27)),  # past the bottom-right
    ]


@pytest.mark.parametrize('f', [0.37, 1.0, 2.5])
def test_np_and_tensor_agree(f):
    """Random noise (the worst case for interpolation differences): the
    float tensor version and OpenCV's uint8 warp differ by OpenCV's output
    rounding only (mean ~0.25, max ~0.5 grey level)."""
    img = _img(97, 131)
    t = torch.from_numpy(img).permute(2, 0, 1).contiguous()
    for origin, shape in _windows(97, 131, f):
        a = crop_resize_np(img, f, origin, shape)
        b = crop_resize_tensor(t, f, origin, shape)
        assert a.shape == shape + (3, ) and a.dtype == np.uint8
        assert b.shape == (3, ) + shape and b.dtype == torch.float32
        d = _diff(a, b)
        assert d.mean() < 0.5 and d.max() <= 1.0, (origin, shape)


def test_bands_and_integer_windows():
    img = _img(61, 83, seed=1)
    t = torch.from_numpy(img).permute(2, 0, 1).contiguous()
    for f in (0.37, 2.5):
        for origin, shape in _windows(61, 83, f):
            whole = crop_resize_tensor(t, f, origin, shape)
            for band in (1, 40, 700):  # a few source pixels per band
                part = crop_resize_tensor(t, f, origin, shape, band)
                assert torch.allclose(whole, part, atol=1e-2)
    # factor 1, integer origin inside the image: an exact slice
    np.testing.assert_array_equal(
        crop_resize_np(img, 1.0, (5, 7), (20, 30)), img[7:27, 5:35])
    assert torch.equal(
        crop_resize_tensor(t, 1.0, (5, 7), (20, 30)), t[:, 7:27,
                                                        5:35].float())
    # grey images: (H, W) arrays and (1, H, W) tensors
    g = img[..., 0]
    a = crop_resize_np(g, 0.37, (1.5, 2.5), (9, 11))
    b = crop_resize_tensor(torch.from_numpy(g)[None], 0.37, (1.5, 2.5),
                           (9, 11))
    assert a.shape == (9, 11) and b.shape == (1, 9, 11)
    assert _diff(a, b[0]).max() <= 1.0


def test_geometry_on_a_ramp():
    """Destination pixel u samples source (ox + u + 0.5) / f - 0.5."""
    ramp = np.tile(np.arange(200, dtype=np.float32)[None, :], (50, 1))
    t = torch.from_numpy(ramp)[None]
    out = crop_resize_tensor(t, 2.0, (80., 20.), (40, 160))[0]
    u = np.arange(1, 159)  # away from the replicated borders
    np.testing.assert_allclose(out[0, 1:159].numpy(), (80 + u + .5) / 2 - .5,
                               atol=1e-3)
    np.testing.assert_allclose(
        crop_resize_np(ramp, 2.0, (80., 20.), (40, 160))[0, 1:159],
        (80 + u + .5) / 2 - .5, atol=0.05)


def test_window_matrix_and_out_size():
    np.testing.assert_allclose(window_matrix(2.0, (10., 4.)),
                               [[0.5, 0, 4.75], [0, 0.5, 1.75]])
    # (u = 0 samples (10 + 0.5) / 2 - 0.5)
    # f = 0.25, origin (3, 0): u -> (3 + u + .5) * 4 - .5
    np.testing.assert_allclose(window_matrix(0.25, (3., 0.)),
                               [[4, 0, 13.5], [0, 4, 1.5]])
    np.testing.assert_allclose(window_matrix(1.0, (0., 0.)),
                               [[1, 0, 0], [0, 1, 0]])
    # the whole image: floor; any other chip: round; at least 1
    assert chip_out_size((0, 0, 200, 50), 0.333, (50, 200)) == (16, 66)
    assert chip_out_size((10, 10, 20.4, 30), 2., (50, 200)) == (40, 21)
    assert chip_out_size((0, 0, 1, 1), 0.1, (1, 1)) == (1, 1)
    assert chip_out_size((0, 0, 640, 480), 512 / 640, (480, 640)) == (384,
                                                                      512)


def test_bad_arguments():
    t = torch.zeros(3, 4, 4)
    with pytest.raises(ValueError, match='factor'):
        crop_resize_tensor(t, 0., (0, 0), (2, 2))
    with pytest.raises(ValueError, match='at least 1'):
        crop_resize_np(np.zeros((4, 4), np.uint8), 1.5, (0, 0), (0, 2))
    with pytest.raises(ValueError, match=r'\(C, H, W\)'):
        crop_resize_tensor(torch.zeros(4, 4), 1., (0, 0), (2, 2))


# ---------------------------------------------------------------------------
# the callers
def _old_snip_warp(img, f, origin, shape, interp):
    """SnipChipCrop._warp before it used crop_resize_np (reference)."""
    ox, oy = origin
    h, w = shape
    m = np.array([[1 / f, 0, (ox + 0.5) / f - 0.5],
                  [0, 1 / f, (oy + 0.5) / f - 0.5]],
                 dtype=np.float64)
    return cv2.warpAffine(img, m, (w, h), flags=interp | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize('f', [0.37, 1.0, 2.5])
def test_snip_chip_crop_is_the_rule(f):
    """The training chip is what the old warp gave, and what the test-time
    wrappers feed the detector for the same window (within 1 grey level)."""
    from mmsniper.datasets.transforms import SnipChipCrop
    img = _img(120, 170, seed=2)
    chip = np.array([13, 9, 117, 101], np.float32)
    scaled = np.round(chip * f)
    res = dict(img=img.copy(), img_shape=img.shape[:2],
               ori_shape=img.shape[:2], chip=chip, chip_factor=f,
               chip_scaled=scaled, chip_valid_inds=np.zeros(0, np.int64))
    out = SnipChipCrop()(res)['img']
    shape = (int(scaled[3] - scaled[1]), int(scaled[2] - scaled[0]))
    origin = (float(scaled[0]), float(scaled[1]))
    old = _old_snip_warp(img, f, origin, shape, cv2.INTER_LINEAR)
    assert out.shape == old.shape
    assert np.abs(out.astype(int) - old.astype(int)).max() <= 1
    test_time = crop_resize_tensor(
        torch.from_numpy(img).permute(2, 0, 1), f, origin, shape)
    assert _diff(out, test_time).max() <= 1.0


class _CaptureRPN(torch.nn.Module):
    """Stub RPN for SniperProposalTTA: records the input, returns one box."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def test_step(self, data):
        from mmdet.structures import DetDataSample
        from mmengine.structures import InstanceData
        sample = data['data_samples'][0]
        self.seen.append((data['inputs'][0].clone(), sample.metainfo))
        out = DetDataSample(metainfo=sample.metainfo)
        out.pred_instances = InstanceData(
            bboxes=torch.tensor([[1., 2., 30., 40.]]),
            scores=torch.tensor([0.5]))
        return [out]


def test_proposal_extraction_uses_the_rule():
    """Proposal extraction (SniperProposalTTA) resizes each scale with
    crop_resize_np: on sizes where ``side * f`` is whole (200 x 300 at 0.5,
    2.0, 0.37) this is cv2.resize of before within 1 grey level; otherwise
    the rule samples at the exact factor (the training chips' rule) where
    cv2.resize used ``side / round_down(side * f)``, and the boxes are
    mapped back by the factor (``scale_factor = (f, f)``)."""
    from mmdet.structures import DetDataSample

    from mmsniper.models.test_time import SniperProposalTTA
    img = _img(200, 300, seed=3)
    rpn = _CaptureRPN()
    model = SniperProposalTTA(rpn, scales=(0.5, 2.0, 0.37), nms_iou=None)
    out = model.test_step(
        dict(inputs=[torch.from_numpy(img).permute(2, 0, 1).contiguous()],
             data_samples=[
                 DetDataSample(metainfo=dict(img_id=7, ori_shape=(200, 300)))
             ]))
    assert len(rpn.seen) == 3
    for (inputs, meta), f in zip(rpn.seen, (0.5, 2.0, 0.37)):
        sh, sw = meta['img_shape']
        assert (sh, sw) == (int(round(200 * f)), int(round(300 * f)))
        assert meta['scale_factor'] == (f, f) and meta['img_id'] == 7
        got = inputs.permute(1, 2, 0).numpy()
        np.testing.assert_array_equal(
            got, crop_resize_np(img, f, (0., 0.), (sh, sw)))
        before = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_LINEAR)
        assert np.abs(got.astype(int) - before.astype(int)).max() <= 1
    # one box per scale, concatenated in scale order (no merging NMS)
    assert out[0].img_id == 7
    assert out[0].pred_instances.bboxes.tolist() == [[1., 2., 30., 40.]] * 3
