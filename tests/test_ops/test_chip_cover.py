# Copyright (c) mmsniper contributors. All rights reserved.
"""chip_cover op (C++ / CUDA, numpy fallback) against its numpy reference:
hand-made covers, random inputs, input checks, memory, CUDA compiles. The
reference itself is tested in test_chip_cover_ref.py."""
import os
import os.path as osp
import shutil
import subprocess
import tempfile

import numpy as np
import pytest
import torch

from mmsniper.ops import EXT_AVAILABLE, chip_cover, chip_cover_ref
from mmsniper.testing.chip_cover_cases import check_cover, random_boxes

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NVCC = shutil.which('nvcc') or ('/usr/local/bin/nvcc' if osp.exists(
    '/usr/local/bin/nvcc') else None)


def _ext_with_cuda() -> bool:
    if not EXT_AVAILABLE or not torch.cuda.is_available():
        return False
    from mmsniper.ops.chip_cover import ext_module
    return bool(ext_module.with_cuda())


needs_ext = pytest.mark.skipif(
    not EXT_AVAILABLE, reason='mmsniper._ext is not built')
DEVICES = [
    pytest.param('cpu', marks=needs_ext),
    pytest.param(
        'cuda',
        marks=pytest.mark.skipif(
            not _ext_with_cuda(),
            reason='needs a GPU and mmsniper._ext built with CUDA')),
]


# yapf: disable
HAND_MADE = [
    # (boxes, width, height, chip, stride, chips, box_chip)
    ('empty', np.zeros((0, 4)), 1000, 800, 512, 32,
     np.zeros((0, 4)), np.zeros(0)),
    ('image smaller than a chip', [[10, 10, 50, 50], [100, 20, 290, 190]],
     300, 200, 512, 32, [[0, 0, 300, 200]], [0, 0]),
    ('top-left only', [[10, 10, 50, 50]], 1000, 600, 512, 32,
     [[0, 0, 512, 512]], [0]),
    ('edge chips', [[520, 590, 525, 599]], 530, 600, 512, 32,
     [[18, 88, 530, 600]], [0]),
    ('most boxes first', [[10, 10, 40, 40], [60, 10, 90, 40],
                          [210, 10, 290, 40]], 300, 100, 100, 50,
     [[0, 0, 100, 100], [200, 0, 300, 100]], [0, 0, 1]),
    ('outside or too large: not held',
     [[-5, 0, 10, 10], [0, 0, 10, 101], [0, 0, 120, 50], [90, 0, 101, 10]],
     100, 100, 100, 10, np.zeros((0, 4)), [-1, -1, -1, -1]),
    ('exactly a chip', [[0, 0, 100, 100]], 300, 100, 100, 50,
     [[0, 0, 100, 100]], [0]),
]
# yapf: enable


@pytest.mark.parametrize('backend', ['numpy', pytest.param('ext',
                                                           marks=needs_ext)])
@pytest.mark.parametrize('case', HAND_MADE, ids=[c[0] for c in HAND_MADE])
def test_hand_made(case, backend):
    _, boxes, width, height, chip, stride, exp_chips, exp_assign = case
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    for seed in (0, 1, 12345):
        chips, box_chip = chip_cover(
            boxes, width, height, chip, stride, seed, backend=backend)
        assert chips.dtype == np.int32 and box_chip.dtype == np.int64
        np.testing.assert_array_equal(chips,
                                      np.asarray(exp_chips).reshape(-1, 4))
        np.testing.assert_array_equal(box_chip, exp_assign)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('prune', [False, True])
def test_op_equals_reference_random(device, prune):
    for seed in range(60):
        rng = np.random.default_rng(1000 + seed)
        width, height = (int(v) for v in rng.integers(30, 5000, 2))
        chip = int(rng.choice([32, 128, 512]))
        stride = int(rng.integers(1, chip + 1)) if seed % 4 == 0 else min(
            chip, int(rng.integers(8, 64)))
        n = int(rng.integers(0, 120))
        boxes = random_boxes(rng, n, width, height, 1, chip * 1.3)
        if seed % 5 == 0:  # integer-aligned boxes: many exact ties
            boxes = np.round(boxes)
        exp = chip_cover_ref(boxes, width, height, chip, stride, seed, prune)
        t = torch.from_numpy(boxes).to(device)
        chips, box_chip = chip_cover(t, width, height, chip, stride, seed,
                                     prune, backend='ext')
        assert chips.device.type == device
        np.testing.assert_array_equal(chips.cpu().numpy(), exp[0])
        np.testing.assert_array_equal(box_chip.cpu().numpy(), exp[1])
        if device == 'cpu':  # the numpy entry point of the CPU op
            a, b = chip_cover(boxes, width, height, chip, stride, seed,
                              prune, backend='ext')
            np.testing.assert_array_equal(a, exp[0])
            np.testing.assert_array_equal(b, exp[1])
        check_cover(boxes, exp[0], exp[1], width, height, chip)


@needs_ext
def test_prune_never_adds_chips():
    total, pruned = 0, 0
    for seed in range(30):
        rng = np.random.default_rng(seed)
        boxes = random_boxes(rng, 80, 4000, 3000, 4, 300)
        a = chip_cover(boxes, 4000, 3000, 512, 32, seed)
        b = chip_cover(boxes, 4000, 3000, 512, 32, seed, prune=True)
        np.testing.assert_array_equal(a[1] >= 0, b[1] >= 0)
        assert len(b[0]) <= len(a[0])
        total, pruned = total + len(a[0]), pruned + len(b[0])
    assert pruned < total


def test_input_types():
    boxes = np.array([[10, 10, 50, 50]], np.float64)
    chips, box_chip = chip_cover(boxes, 600, 600, 512, 32)
    assert isinstance(chips, np.ndarray) and box_chip.tolist() == [0]
    chips_i, _ = chip_cover(boxes.astype(np.int64), 600, 600, 512, 32)
    np.testing.assert_array_equal(chips, chips_i)
    t_chips, t_assign = chip_cover(torch.from_numpy(boxes), 600, 600, 512,
                                   32)
    assert isinstance(t_chips, torch.Tensor)
    assert t_chips.dtype == torch.int32 and t_assign.dtype == torch.int64
    np.testing.assert_array_equal(t_chips.numpy(), chips)
    chips0, _ = chip_cover(np.zeros((0, )), 600, 600)  # shape (0,) is empty
    assert chips0.shape == (0, 4)


def test_fallback_without_extension(monkeypatch):
    import sys

    from mmsniper.ops import ext_loader
    mod = sys.modules['mmsniper.ops.chip_cover']
    monkeypatch.setattr(mod, 'ext_module', None)
    monkeypatch.setattr(ext_loader, '_WARNED', set())
    boxes = np.array([[10, 10, 50, 50], [600, 10, 650, 40]], np.float32)
    exp = chip_cover_ref(boxes, 1000, 600, 512, 32, 3)
    with pytest.warns(RuntimeWarning, match='falls back'):
        out = chip_cover(boxes, 1000, 600, 512, 32, 3)
    np.testing.assert_array_equal(out[0], exp[0])
    t = chip_cover(torch.from_numpy(boxes), 1000, 600, 512, 32, 3)
    np.testing.assert_array_equal(t[1].numpy(), exp[1])
    with pytest.raises(ValueError, match="backend='ext'"):
        chip_cover(boxes, 1000, 600, 512, 32, 3, backend='ext')


@pytest.mark.parametrize('kwargs, match', [
    (dict(boxes=[[0, 0, 1, 1]]), 'numpy array or a torch tensor'),
    (dict(boxes=np.zeros((3, 5), np.float32)), r'shape \[N, 4\]'),
    (dict(boxes=np.zeros((2, 2, 4), np.float32)), r'shape \[N, 4\]'),
    (dict(boxes=np.zeros((1, 4), bool)), 'dtype'),
    (dict(boxes=np.zeros((1, 4), complex)), 'dtype'),
    (dict(boxes=np.array([[0, 0, 'a', 1]])), 'dtype'),
    (dict(boxes=np.array([[0, 0, np.nan, 1]], np.float32)), 'NaN or inf'),
    (dict(boxes=np.array([[0, 0, 1, 1], [0, -np.inf, 1, 1]])), r'rows \[1\]'),
    (dict(boxes=torch.zeros(1, 4, device='meta')), 'device'),
    (dict(boxes=torch.zeros(1, 4, dtype=torch.bool)), 'dtype'),
    (dict(width=0), 'width'),
    (dict(height=-3), 'height'),
    (dict(width=2.5), 'width must be an integer'),
    (dict(chip_size=0), 'chip_size'),
    (dict(stride=0), 'stride'),
    (dict(stride=600), 'stride'),
    (dict(seed=-1), 'seed'),
    (dict(seed=2**63), 'seed'),
    (dict(width=2**30, height=2**30, stride=1), 'candidate chips'),
    (dict(backend='cuda'), 'backend'),
])
def test_bad_inputs(kwargs, match):
    args = dict(boxes=np.zeros((1, 4), np.float32), width=600, height=600,
                chip_size=512, stride=32, seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        chip_cover(**args)


@needs_ext
def test_huge_image_is_bounded():
    """20000 x 20000 at factor 3 (60000^2) with 5000 boxes: ~3.5M
    candidates, O(candidates) memory, well under a second of work."""
    import resource
    import time
    rng = np.random.default_rng(0)
    boxes = random_boxes(rng, 5000, 60000, 60000, 6, 240)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    chips, box_chip = chip_cover(boxes, 60000, 60000, 512, 32, 0, True)
    elapsed = time.perf_counter() - t
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss -
                before) / 1024
    check_cover(boxes, chips, box_chip, 60000, 60000, 512)
    inside = ((boxes[:, :2] >= 0).all(1) & (boxes[:, 2] <= 60000)
              & (boxes[:, 3] <= 60000))
    assert (box_chip[inside] >= 0).all()
    assert grown_mb < 300, grown_mb
    assert elapsed < 10, elapsed


# --------------------------------------------------------------------- CUDA
def _nvcc(args, timeout=300):
    return subprocess.run([NVCC] + args, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.skipif(NVCC is None, reason='nvcc not found')
def test_cuda_kernels_compile():
    """The kernels (csrc/common/cuda/*.cuh) compile with nvcc, through a
    standalone harness that needs no torch headers."""
    harness = r'''
#include "chip_cover_cuda_kernel.cuh"
using namespace mmsniper::chip_cover;
void launch(const float* boxes, int64_t n, int32_t* rects, int32_t* counts,
            unsigned long long* best, int64_t* box_chip) {
  const Axis ax = make_axis(4000, 512, 32), ay = make_axis(3000, 512, 32);
  const Priority prio = make_priority(7, ax.num, ay.num);
  chip_cover_count_kernel<<<GET_BLOCKS(n), THREADS_PER_BLOCK>>>(
      n, boxes, ax, ay, rects, counts);
  chip_cover_argmax_kernel<<<GET_BLOCKS(ax.num * ay.num),
                             THREADS_PER_BLOCK>>>(ax.num * ay.num, counts,
                                                  ax.num, prio, best);
  chip_cover_take_kernel<<<GET_BLOCKS(n), THREADS_PER_BLOCK>>>(
      n, rects, 1, 2, ax.num, 0, box_chip, counts);
  (void)hash_inverse(prio.hx, 3);
}
'''
    with tempfile.TemporaryDirectory() as tmp:
        src = osp.join(tmp, 'harness.cu')
        with open(src, 'w') as f:
            f.write(harness)
        res = _nvcc([
            '-c', src, '-o',
            osp.join(tmp, 'harness.o'), '-std=c++17', '-I',
            osp.join(ROOT, 'csrc', 'common'), '-I',
            osp.join(ROOT, 'csrc', 'common', 'cuda')
        ])
    assert res.returncode == 0, res.stderr[-3000:]


@pytest.mark.skipif(NVCC is None, reason='nvcc not found')
def test_cuda_launcher_compiles():
    """pytorch/cuda/chip_cover_cuda.cu compiles with torch's headers.

    By default nvcc runs its front end on the whole file (host code
    included) and generates the device code (``-ptx``, ~15 s); with
    ``MMSNIPER_NVCC_FULL=1`` it also runs the host compiler (``-c``, ~40 s).
    The CPU torch wheel lacks c10/cuda/impl/cuda_cmake_macros.h, which only
    carries the build's macros; it is skipped with
    C10_CUDA_NO_CMAKE_CONFIGURE_FILE.
    """
    import sysconfig

    from torch.utils.cpp_extension import include_paths
    src = osp.join(ROOT, 'csrc', 'pytorch', 'cuda', 'chip_cover_cuda.cu')
    incs = []
    for p in include_paths() + [
            osp.join(ROOT, 'csrc', 'common'),
            osp.join(ROOT, 'csrc', 'common', 'cuda'),
            sysconfig.get_paths()['include']
    ]:
        incs += ['-I', p]
    full = os.getenv('MMSNIPER_NVCC_FULL') == '1'
    with tempfile.TemporaryDirectory() as tmp:
        res = _nvcc([
            '-c' if full else '-ptx', src, '-o',
            osp.join(tmp, 'launcher.o'), '-std=c++17', '-O0',
            '-DMMSNIPER_WITH_CUDA', '-DC10_CUDA_NO_CMAKE_CONFIGURE_FILE',
            '-DTORCH_EXTENSION_NAME=_ext', '-D_GLIBCXX_USE_CXX11_ABI=1'
        ] + incs, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
