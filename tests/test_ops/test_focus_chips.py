# Copyright (c) mmsniper contributors. All rights reserved.
"""Tests of the FocusChip op: hand-made maps with exact chips, the native op
against the numpy reference on random maps, input checks, and a CUDA
compile check. The reference itself (and its agreement with the original
OpenCV code) is tested in test_focus_chips_ref.py, the pixel conversion in
tests/test_chips/test_focus.py."""
import os.path as osp
import shutil
import subprocess

import numpy as np
import pytest
import torch

from mmsniper.ops import focus_chips as focus_op
from mmsniper.ops.focus_chips import focus_chip_cells
from mmsniper.ops.focus_chips_ref import focus_chip_cells_ref
from mmsniper.testing.focus_chip_cases import (CASES, IDS, case_limits,
                                               random_case)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
EXT = focus_op.ext_module
DEVICES = [
    'cpu',
    pytest.param(
        'cuda',
        marks=pytest.mark.skipif(
            not torch.cuda.is_available(), reason='requires CUDA')),
]


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('case', CASES, ids=IDS)
def test_op_hand_cases(case, device):
    _, prob, t, d, k, lim, expected = case
    iw, ih = case_limits(prob, lim)
    cells = focus_chip_cells(
        torch.from_numpy(prob).to(device), t, d, k, iw, ih)
    assert isinstance(cells, torch.Tensor)
    assert cells.device.type == device and cells.dtype == torch.int64
    assert cells.cpu().reshape(-1, 4).tolist() == expected
    # numpy in, numpy out
    out = focus_chip_cells(prob, t, d, k, iw, ih)
    assert isinstance(out, np.ndarray) and out.tolist() == expected


@pytest.mark.parametrize('device', DEVICES)
def test_op_matches_reference_random(device):
    if EXT is None:
        pytest.skip('mmsniper._ext is not built: the op is the reference')
    for seed in range(400):
        prob, t, d, k, iw, ih = random_case(seed)
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
