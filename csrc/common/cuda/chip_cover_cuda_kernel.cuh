// Copyright (c) mmsniper contributors. All rights reserved.
// CUDA kernels of the greedy chip cover: the data-parallel parts
// (candidates x boxes containment counts, per-round arg-max, covering the
// boxes of the chosen chip). The round loop runs on the host
// (pytorch/cuda/chip_cover_cuda.cu). Semantics:
// csrc/common/chip_cover_common.hpp.
#ifndef MMSNIPER_CHIP_COVER_CUDA_KERNEL_CUH
#define MMSNIPER_CHIP_COVER_CUDA_KERNEL_CUH

#include "chip_cover_common.hpp"
#include "common_cuda_helper.hpp"

namespace mmsniper {
namespace chip_cover {

/** Per box: its candidate rectangle (int32 [N, 4] = x0, x1, y0, y1) and +1
 * on every candidate of the rectangle. */
__global__ void chip_cover_count_kernel(const int64_t n,
                                        const float* __restrict__ boxes,
                                        const Axis ax, const Axis ay,
                                        int32_t* __restrict__ rects,
                                        int32_t* __restrict__ counts) {
  CUDA_1D_KERNEL_LOOP(i, n) {
    const Rect r = box_rect(boxes + 4 * i, ax, ay);
    rects[4 * i + 0] = static_cast<int32_t>(r.x0);
    rects[4 * i + 1] = static_cast<int32_t>(r.x1);
    rects[4 * i + 2] = static_cast<int32_t>(r.y0);
    rects[4 * i + 3] = static_cast<int32_t>(r.y1);
    if (rect_empty(r)) continue;
    for (int64_t y = r.y0; y <= r.y1; ++y) {
      for (int64_t x = r.x0; x <= r.x1; ++x) {
        atomicAdd(counts + y * ax.num + x, 1);
      }
    }
  }
}

/** best = max over candidates of select_key(count, priority), 0 if every
 * count is 0. `best` must be zeroed before the launch. */
__global__ void chip_cover_argmax_kernel(const int64_t m,
                                         const int32_t* __restrict__ counts,
                                         const int64_t nx,
                                         const Priority prio,
                                         unsigned long long* best) {
  __shared__ unsigned long long smem[THREADS_PER_BLOCK];
  unsigned long long local = 0;
  CUDA_1D_KERNEL_LOOP(c, m) {
    const int32_t cnt = counts[c];
    if (cnt > 0) {
      const unsigned long long key = static_cast<unsigned long long>(
          select_key(cnt, priority(prio, c % nx, c / nx)));
      local = key > local ? key : local;
    }
  }
  smem[threadIdx.x] = local;
  __syncthreads();
  for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s && smem[threadIdx.x + s] > smem[threadIdx.x]) {
      smem[threadIdx.x] = smem[threadIdx.x + s];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0 && smem[0] > 0) atomicMax(best, smem[0]);
}

/** Cover the still-uncovered boxes held by candidate (ix, iy): assign them
 * to chip `chip_index` and take them out of every candidate's count. */
__global__ void chip_cover_take_kernel(const int64_t n,
                                       const int32_t* __restrict__ rects,
                                       const int64_t ix, const int64_t iy,
                                       const int64_t nx,
                                       const int64_t chip_index,
                                       int64_t* __restrict__ box_chip,
                                       int32_t* __restrict__ counts) {
  CUDA_1D_KERNEL_LOOP(i, n) {
    if (box_chip[i] >= 0) continue;
    const int64_t x0 = rects[4 * i + 0], x1 = rects[4 * i + 1];
    const int64_t y0 = rects[4 * i + 2], y1 = rects[4 * i + 3];
    if (x0 <= ix && ix <= x1 && y0 <= iy && iy <= y1) {
      box_chip[i] = chip_index;
      for (int64_t y = y0; y <= y1; ++y) {
        for (int64_t x = x0; x <= x1; ++x) atomicSub(counts + y * nx + x, 1);
      }
    }
  }
}

}  // namespace chip_cover
}  // namespace mmsniper

#endif  // MMSNIPER_CHIP_COVER_CUDA_KERNEL_CUH
