# Copyright (c) mmsniper contributors. All rights reserved.
"""Benchmark the FocusChip op: native (mmsniper._ext) vs numpy reference.

Times ``mmsniper.ops.focus_chips.focus_chip_cells`` (the wrapper: input
checks + the C++ op), the bare C++ call, and ``focus_chip_cells_ref`` (pure
numpy) on random FocusPixel-like maps (Gaussian blobs over low noise),
single-threaded, and prints a markdown table: ms per map, speed-up of the
wrapper over the reference, mean chips per map.

Example::

    python tools/analysis/benchmark_focus_chips.py --sizes 32x32 88x125
"""
import argparse
import os
import os.path as osp
import platform
import sys
import time
from typing import Callable, List

os.environ.setdefault('OMP_NUM_THREADS', '1')

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

from mmsniper.ops import focus_chips as focus_op  # noqa: E402
from mmsniper.ops.focus_chips_ref import focus_chip_cells_ref  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--sizes',
        nargs='+',
        default=['32x32', '88x125'],
        help='map sizes HxW in cells (32x32: a 512 chip at stride 16; '
        '88x125: a 1400x2000 image at stride 16)')
    parser.add_argument('--maps', type=int, default=50, help='maps per size')
    parser.add_argument(
        '--repeat', type=int, default=7, help='timed runs per map')
    parser.add_argument('--threshold', type=float, default=0.2)
    parser.add_argument('--dilation', type=int, default=3)
    parser.add_argument('--min-chip', type=int, default=20)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def random_blob_map(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A FocusPixel-like map: 1-8 Gaussian blobs over low uniform noise."""
    ys, xs = np.mgrid[:h, :w]
    prob = rng.random((h, w)) * 0.05
    for _ in range(rng.integers(1, 9)):
        cy, cx = rng.random(2) * (h, w)
        sigma = 0.7 + 2.5 * rng.random()
        peak = 0.3 + 0.7 * rng.random()
        prob = np.maximum(
            prob,
            peak * np.exp(-((ys - cy)**2 + (xs - cx)**2) / (2 * sigma**2)))
    return prob.astype(np.float32)


def time_per_map(fn: Callable, maps: List, repeat: int) -> float:
    """Mean over the maps of the fastest of ``repeat`` runs, in ms.

    The per-map minimum filters out the preemptions of a shared machine.
    """
    for m in maps[:3]:  # warm-up
        fn(m)
    total = 0.
    for m in maps:
        best = float('inf')
        for _ in range(repeat):
            start = time.perf_counter()
            fn(m)
            best = min(best, time.perf_counter() - start)
        total += best
    return total / len(maps) * 1e3


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    if focus_op.ext_module is None:
        raise SystemExit('mmsniper._ext is not built: run `MAX_JOBS=1 python '
                         'setup.py build_ext --inplace` first')
    t, d, k = args.threshold, args.dilation, args.min_chip
    print(f'# FocusChip op, t={t} d={d} k={k}, {args.maps} maps/size, '
          f'per-map best of {args.repeat}, 1 thread, '
          f'{platform.processor() or "cpu"}')
    print('| map (HxW cells) | native op (ms/map) | of which C++ call | '
          'numpy reference (ms/map) | speed-up | chips/map |')
    print('|---|---|---|---|---|---|')
    for size in args.sizes:
        h, w = (int(v) for v in size.lower().split('x'))
        rng = np.random.default_rng(args.seed)
        maps = [random_blob_map(rng, h, w) for _ in range(args.maps)]
        tensors = [torch.from_numpy(m) for m in maps]
        for m, tm in zip(maps, tensors):  # both paths agree
            assert np.array_equal(
                focus_op.focus_chip_cells(tm, t, d, k).numpy(),
                focus_chip_cells_ref(m, t, d, k, w, h))
        native = time_per_map(
            lambda m: focus_op.focus_chip_cells(m, t, d, k), tensors,
            args.repeat)
        raw = time_per_map(
            lambda m: focus_op.ext_module.focus_chips(m, t, d, k, w, h),
            tensors, args.repeat)
        ref = time_per_map(
            lambda m: focus_chip_cells_ref(m, t, d, k, w, h), maps,
            args.repeat)
        chips = np.mean([len(focus_chip_cells_ref(m, t, d, k, w, h))
                         for m in maps])
        print(f'| {h}x{w} | {native:.3f} | {raw:.3f} | {ref:.3f} | '
              f'{ref / native:.0f}x | {chips:.1f} |')


if __name__ == '__main__':
    main()
