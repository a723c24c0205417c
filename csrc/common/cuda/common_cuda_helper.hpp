// Copyright (c) mmsniper contributors. All rights reserved.
// Launch helpers shared by every CUDA kernel (mmcv's common_cuda_helper.hpp).
#ifndef MMSNIPER_COMMON_CUDA_HELPER_HPP
#define MMSNIPER_COMMON_CUDA_HELPER_HPP

#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>

#define CUDA_1D_KERNEL_LOOP(i, n)                                       \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) +     \
                   threadIdx.x;                                         \
       i < (n); i += static_cast<int64_t>(blockDim.x) * gridDim.x)

#define THREADS_PER_BLOCK 512

inline int GET_BLOCKS(const int64_t n,
                      const int num_threads = THREADS_PER_BLOCK) {
  const int64_t optimal = (n + num_threads - 1) / num_threads;
  const int64_t max_blocks = 4096;
  return static_cast<int>(optimal < 1 ? 1
                                      : (optimal < max_blocks ? optimal
                                                              : max_blocks));
}

#endif  // MMSNIPER_COMMON_CUDA_HELPER_HPP
