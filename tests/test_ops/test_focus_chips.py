# Copyright (c) mmsniper contributors. All rights reserved.
"""Tests of the FocusChip op: hand-made maps with exact chips, the native op
against the numpy reference on random maps, the reference against the
original OpenCV code, input checks, the pixel conversion, and a CUDA
compile check."""
import os.path as osp
import shutil
import subprocess

import numpy as np
import pytest
import torch

from mmsniper.chips.focus import focus_chips
from mmsniper.ops import focus_chips as focus_op
from mmsniper.ops.focus_chips import focus_chip_cells
from mmsniper.ops.focus_chips_ref import focus_chip_cells_ref, sort_boxes

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
EXT = focus_op.ext_module
DEVICES = [
    'cpu',
    pytest.param(
        'cuda',
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason='requires CUDA')),
]


def _map(h, w, cells=(), value=0.9):
    prob = np.full((h, w), 0.01, dtype=np.float32)
    for y, x in cells:
        prob[y, x] = value
    return prob


def _ring():
    # 10x10 block with an off-centre 2x2 hole: the hole contour, enlarged
    # to k = 8 around its own centre, grows the chip to the map corner
    prob = _map(20, 20)
    prob[2:12, 2:12] = 0.9
    prob[3:5, 3:5] = 0.
    return prob


# yapf: disable
# name, map, threshold, dilation, k, (iw, ih) or None, expected cells
CASES = [
    ('single_blob', _map(32, 32, [(10, 20), (10, 21), (11, 20), (11, 21)]),
     0.5, 3, 16, None, [[13, 3, 29, 19]]),
    ('merge_after_enlarge', _map(32, 32, [(5, 5), (5, 13)]),
     0.5, 1, 8, None, [[1, 1, 17, 9]]),
    ('apart_stay_apart', _map(32, 32, [(5, 5), (5, 14)]),
     0.5, 1, 8, None, [[1, 1, 9, 9], [10, 1, 18, 9]]),
    ('border_shift', _map(32, 32, [(0, 30), (0, 31)]),
     0.5, 1, 8, None, [[24, 0, 32, 8]]),
    ('limit_inside_padded_map', _map(32, 32, [(18, 18)]),
     0.5, 1, 8, (20, 20), [[12, 12, 20, 20]]),
    ('empty', _map(16, 16), 0.5, 3, 8, None, []),
    ('all_ones', np.ones((10, 12), np.float32), 0.5, 3, 4, None,
     [[0, 0, 12, 10]]),
    ('k_larger_than_map', np.ones((10, 12), np.float32), 0.5, 3, 16, None,
     [[0, 0, 16, 16]]),
    ('non_square', _map(6, 20, [(2, 3), (3, 16)]),
     0.5, 3, 4, None, [[1, 0, 5, 4], [14, 1, 18, 5]]),
    ('threshold_inclusive', _map(8, 8, [(4, 4)], value=0.2),
     0.2, 1, 2, None, [[3, 3, 5, 5]]),
    ('diagonal_is_connected', _map(8, 8, [(2, 2), (3, 3)]),
     0.5, 1, 1, None, [[2, 2, 4, 4]]),
    ('even_dilation_anchor', _map(8, 8, [(2, 2)]),
     0.5, 2, 1, None, [[2, 2, 4, 4]]),
    ('hole_contour', _ring(), 0.5, 1, 8, None, [[0, 0, 12, 12]]),
]
# yapf: enable
IDS = [c[0] for c in CASES]


def _limits(prob, lim):
    return (prob.shape[1], prob.shape[0]) if lim is None else lim


def _gmask_cells_opencv(prob, d, t, k, iw, ih):
    """The original ``gmask`` loop (OpenCV, Python 3 floor division)."""
    cv2 = pytest.importorskip('cv2')

    def enlarge(cnts):
        out = []
        for cnt in cnts:
            x, y, w, h = cv2.boundingRect(cnt)
            cx, cy = (x + x + w) // 2, (y + y + h) // 2
            w, h = max(k, w), max(k, h)
            if cx + w // 2 >= iw:
                x = iw - w if iw - w >= 0 else 0
            elif cx - w // 2 < 0:
                x = 0
            else:
                x = cx - w // 2
            if cy + h // 2 >= ih:
                y = ih - h if ih - h >= 0 else 0
            elif cy - h // 2 < 0:
                y = 0
            else:
                y = cy - h // 2
            out.append([x, y, x + w, y + h])
        return out

    mask = prob.astype(np.float32).copy()
    mask[mask >= t] = 1
    mask[mask < t] = 0
    mask = cv2.dilate(mask, np.ones((d, d), np.uint8)) * 255
    cnts, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    chips, nchips = [], -1
    while nchips != len(chips):
        nchips = len(chips)
        for x1, y1, x2, y2 in enlarge(cnts):
            mask[y1:y2, x1:x2] = 255
        cnts, _ = cv2.findContours(
            mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        chips = enlarge(cnts)
    return sort_boxes(np.array(chips, dtype=np.int64).reshape(-1, 4))


def _random_case(seed):
    """A random map (sparse noise or Gaussian blobs) and parameters."""
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(1, 48, 2))
    if seed % 2:
        prob = rng.random((h, w)).astype(np.float32)
        prob[rng.random((h, w)) < rng.choice([0.5, 0.8, 0.95])] *= 0.01
    else:
        ys, xs = np.mgrid[:h, :w]
        prob = np.zeros((h, w), np.float32)
        for _ in range(rng.integers(0, 6)):
            cy, cx = rng.random(2) * (h, w)
            s = 0.5 + 3 * rng.random()
            prob = np.maximum(
                prob, np.exp(-((ys - cy)**2 + (xs - cx)**2) / (2 * s * s)))
    t = float(rng.choice([0.02, 0.2, 0.5]))
    d, k = int(rng.integers(1, 6)), int(rng.integers(1, 24))
    iw = int(rng.integers(max(1, w - 4), w + 4))
    ih = int(rng.integers(max(1, h - 4), h + 4))
    return prob.astype(np.float32), t, d, k, iw, ih


@pytest.mark.parametrize('case', CASES, ids=IDS)
def test_reference_hand_cases(case):
    _, prob, t, d, k, lim, expected = case
    iw, ih = _limits(prob, lim)
    cells = focus_chip_cells_ref(prob, t, d, k, iw, ih)
    assert cells.dtype == np.int64 and cells.shape == (len(expected), 4)
    assert cells.tolist() == expected


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('case', CASES, ids=IDS)
def test_op_hand_cases(case, device):
    _, prob, t, d, k, lim, expected = case
    iw, ih = _limits(prob, lim)
    cells = focus_chip_cells(
        torch.from_numpy(prob).to(device), t, d, k, iw, ih)
    assert isinstance(cells, torch.Tensor)
    assert cells.device.type == device and cells.dtype == torch.int64
    assert cells.cpu().reshape(-1, 4).tolist() == expected
    # numpy in, numpy out
    out = focus_chip_cells(prob, t, d, k, iw, ih)
    assert isinstance(out, np.ndarray) and out.tolist() == expected


def test_hand_cases_match_opencv():
    for _, prob, t, d, k, lim, expected in CASES:
        iw, ih = _limits(prob, lim)
        assert _gmask_cells_opencv(prob, d, t, k, iw, ih).tolist() == expected


def test_reference_matches_opencv_random():
    """The reference reproduces the original OpenCV loop exactly."""
    for seed in range(300):
        prob, t, d, k, iw, ih = _random_case(seed)
        expected = _gmask_cells_opencv(prob, d, t, k, iw, ih)
        np.testing.assert_array_equal(
            focus_chip_cells_ref(prob, t, d, k, iw, ih), expected,
            err_msg=f'seed {seed}')


@pytest.mark.parametrize('device', DEVICES)
def test_op_matches_reference_random(device):
    if EXT is None:
        pytest.skip('mmsniper._ext is not built: the op is the reference')
    for seed in range(400):
        prob, t, d, k, iw, ih = _random_case(seed)
        expected = focus_chip_cells_ref(prob, t, d, k, iw, ih)
        out = focus_chip_cells(
            torch.from_numpy(prob).to(device), t, d, k, iw, ih)
        np.testing.assert_array_equal(
            out.cpu().numpy().reshape(-1, 4), expected,
            err_msg=f'seed {seed}')


def test_op_dtypes_and_views():
    prob = CASES[0][1]
    expected = CASES[0][-1]
    for dtype in (torch.float16, torch.float64):
        assert focus_chip_cells(torch.from_numpy(prob).to(dtype), 0.5, 3,
                                16).tolist() == expected
    wide = np.zeros((32, 64), np.float32)
    wide[:, ::2] = prob  # non-contiguous view
    assert focus_chip_cells(wide[:, ::2], 0.5, 3, 16).tolist() == expected
    assert focus_chip_cells(np.zeros((0, 5), np.float32), 0.5, 3,
                            16, 1, 1).shape == (0, 4)


@pytest.mark.parametrize('kwargs, match', [
    (dict(prob_map=np.zeros((2, 3, 4), np.float32)), '2-D'),
    (dict(prob_map=np.zeros((4, 4), np.int64)), 'floating'),
    (dict(prob_map=[[0.5]]), 'numpy array or a torch tensor'),
    (dict(prob_map=np.array([[np.nan]], np.float32)), 'NaN or infinite'),
    (dict(prob_map=torch.tensor([[float('inf')]])), 'NaN or infinite'),
    (dict(threshold=1.5), r'threshold must be in \[0, 1\]'),
    (dict(threshold=-0.1), r'threshold must be in \[0, 1\]'),
    (dict(threshold=float('nan')), r'threshold must be in \[0, 1\]'),
    (dict(threshold='0.5'), 'threshold must be a number'),
    (dict(dilation=0), 'dilation must be in'),
    (dict(dilation=2.0), 'dilation must be an integer'),
    (dict(dilation=True), 'dilation must be an integer'),
    (dict(min_chip_cells=-3), 'min_chip_cells must be in'),
    (dict(map_w=0), 'map_w must be in'),
    (dict(map_h=np.float32(4)), 'map_h must be an integer'),
])
def test_op_bad_inputs(kwargs, match):
    args = dict(prob_map=np.zeros((4, 4), np.float32), threshold=0.5,
                dilation=3, min_chip_cells=2, map_w=4, map_h=4)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        focus_chip_cells(**args)


def test_focus_chips_pixels():
    prob = CASES[0][1]  # cells [13, 3, 29, 19]
    chips = focus_chips(prob, 0.5, 3, 16)
    assert chips.dtype == np.float32
    assert chips.tolist() == [[208, 48, 464, 304]]
    # stride, scale and crop origin
    chips = focus_chips(torch.from_numpy(prob), 0.5, 3, 16, stride=8,
                        scale_factor=0.5, crop_origin=(100, 50))
    assert chips.tolist() == [[100 + 208, 50 + 48, 100 + 464, 50 + 304]]
    # empty map
    assert focus_chips(np.zeros((8, 8), np.float32), 0.5, 3,
                       4).shape == (0, 4)


def test_focus_chips_crop_clipping():
    # all-positive padded map: one chip = the whole crop (150 x 100 px)
    ones = np.ones((10, 12), np.float32)
    assert focus_chips(ones, 0.5, 3, 4, crop_size=(150, 100)).tolist() == [
        [0, 0, 150, 100]]
    assert focus_chips(ones, 0.5, 3, 16).tolist() == [[0, 0, 192, 160]]
    # x2 cut at the crop (208 -> 200), x1 moved to keep k * 16 = 128 px
    prob = _map(8, 16, [(3, 12)])
    assert focus_chip_cells(prob, 0.5, 1, 8, 13, 8).tolist() == [
        [5, 0, 13, 8]]
    chips = focus_chips(prob, 0.5, 1, 8, crop_size=(200, 128))
    assert chips.tolist() == [[72, 0, 200, 128]]
    # the same crop at scale 2, 400 x 256 original px at origin (10, 20)
    chips = focus_chips(prob, 0.5, 1, 8, scale_factor=2., crop_size=(100, 64),
                        crop_origin=(10, 20))
    assert chips.tolist() == [[10 + 36, 20, 10 + 100, 20 + 64]]


@pytest.mark.parametrize('kwargs, match', [
    (dict(scale_factor=0.), 'scale_factor'),
    (dict(scale_factor=float('inf')), 'scale_factor'),
    (dict(stride=0), 'stride'),
    (dict(stride=2.5), 'stride must be an integer'),
    (dict(crop_size=(0, 10)), 'crop_size'),
    (dict(prob_map=np.zeros(5, np.float32)), '2-D'),
])
def test_focus_chips_bad_inputs(kwargs, match):
    args = dict(prob_map=np.zeros((4, 4), np.float32), threshold=0.5,
                dilation=3, min_chip_cells=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        focus_chips(**args)


HARNESS = r'''
#include <cstdio>
#include "focus_map_cuda_kernel.cuh"
int main() {
  const int h = 4, w = 5, n = h * w;
  float* prob; uint8_t* mask; int* labels; int* boxes; int64_t* rects;
  cudaMalloc(&prob, n * sizeof(float)); cudaMalloc(&mask, n);
  cudaMalloc(&labels, (n + 1) * sizeof(int));
  cudaMalloc(&boxes, 4 * n * sizeof(int));
  cudaMalloc(&rects, 4 * sizeof(int64_t));
  focus_binarize_dilate_cuda_kernel<float><<<GET_BLOCKS(n),
      THREADS_PER_BLOCK>>>(n, prob, h, w, 0.5f, 3, mask);
  focus_paint_cuda_kernel<uint8_t><<<GET_BLOCKS(n), THREADS_PER_BLOCK>>>(
      n, rects, 1, w, mask);
  focus_ccl_init_cuda_kernel<int><<<GET_BLOCKS(n + 1), THREADS_PER_BLOCK>>>(
      n + 1, labels);
  focus_ccl_merge_cuda_kernel<uint8_t><<<GET_BLOCKS(n), THREADS_PER_BLOCK>>>(
      n, mask, h, w, labels);
  focus_ccl_compress_cuda_kernel<int><<<GET_BLOCKS(n + 1),
      THREADS_PER_BLOCK>>>(n + 1, labels);
  focus_ccl_bbox_cuda_kernel<int><<<GET_BLOCKS(n), THREADS_PER_BLOCK>>>(
      n, labels, w, boxes);
  printf("%d\n", (int)cudaDeviceSynchronize());
  return 0;
}
'''


@pytest.mark.skipif(
    shutil.which('nvcc') is None and not osp.exists('/usr/local/bin/nvcc'),
    reason='nvcc is not available')
def test_cuda_kernels_compile(tmp_path):
    """Compile the kernel header through a standalone harness (the CPU torch
    wheel lacks some CUDA headers the launcher needs)."""
    nvcc = shutil.which('nvcc') or '/usr/local/bin/nvcc'
    src = tmp_path / 'harness.cu'
    src.write_text(HARNESS)
    cmd = [
        nvcc, '-std=c++17', '-O1', '-c', str(src), '-o',
        str(tmp_path / 'harness.o'), '-I',
        osp.join(ROOT, 'csrc', 'common', 'cuda'), '-I',
        osp.join(ROOT, 'csrc', 'common')
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
