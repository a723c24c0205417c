// Copyright (c) mmsniper contributors. All rights reserved.
// CUDA launcher of the greedy chip cover. The counts, the per-round arg-max
// and the covering of the chosen chip's boxes run on the GPU; the round loop
// (one 8-byte device-to-host copy per emitted chip) and the optional
// redundancy pruning run on the host. Results equal the CPU op bit for bit.
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/zeros.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <vector>

#include "chip_cover_cuda_kernel.cuh"
#include "chip_cover_host.hpp"

at::Tensor ChipCoverCUDAKernelLauncher(const at::Tensor boxes, int64_t width,
                                       int64_t height, int64_t chip_size,
                                       int64_t stride, int64_t seed,
                                       bool prune) {
  namespace cc = mmsniper::chip_cover;
  const c10::cuda::CUDAGuard device_guard(boxes.device());
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const int64_t n = boxes.size(0);
  const cc::Axis ax = cc::make_axis(width, chip_size, stride);
  const cc::Axis ay = cc::make_axis(height, chip_size, stride);
  const int64_t m = ax.num * ay.num;
  const cc::Priority prio =
      cc::make_priority(static_cast<uint64_t>(seed), ax.num, ay.num);

  at::Tensor box_chip =
      at::full({n}, -1, boxes.options().dtype(at::kLong));
  std::vector<int64_t> cands;
  if (n > 0) {
    at::Tensor counts = at::zeros({m}, boxes.options().dtype(at::kInt));
    at::Tensor rects = at::empty({n, 4}, boxes.options().dtype(at::kInt));
    at::Tensor best = at::empty({1}, boxes.options().dtype(at::kLong));
    int32_t* counts_ptr = counts.data_ptr<int32_t>();
    int32_t* rects_ptr = rects.data_ptr<int32_t>();
    int64_t* assign_ptr = box_chip.data_ptr<int64_t>();
    auto* best_ptr =
        reinterpret_cast<unsigned long long*>(best.data_ptr<int64_t>());

    cc::chip_cover_count_kernel<<<GET_BLOCKS(n), THREADS_PER_BLOCK, 0,
                                  stream>>>(n, boxes.data_ptr<float>(), ax,
                                            ay, rects_ptr, counts_ptr);
    C10_CUDA_KERNEL_LAUNCH_CHECK();
    while (true) {
      C10_CUDA_CHECK(cudaMemsetAsync(best_ptr, 0, sizeof(*best_ptr), stream));
      cc::chip_cover_argmax_kernel<<<GET_BLOCKS(m), THREADS_PER_BLOCK, 0,
                                     stream>>>(m, counts_ptr, ax.num, prio,
                                               best_ptr);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
      unsigned long long key = 0;
      C10_CUDA_CHECK(cudaMemcpyAsync(&key, best_ptr, sizeof(key),
                                     cudaMemcpyDeviceToHost, stream));
      C10_CUDA_CHECK(cudaStreamSynchronize(stream));
      if (key == 0) break;
      const uint64_t p = 0xFFFFFFFFull - (key & 0xFFFFFFFFull);
      const int64_t c =
          static_cast<int64_t>(cc::hash_inverse(prio.hy, p >> prio.hx.bits)) *
              ax.num +
          static_cast<int64_t>(
              cc::hash_inverse(prio.hx, p & prio.hx.mask));
      const int64_t j = static_cast<int64_t>(cands.size());
      cands.push_back(c);
      cc::chip_cover_take_kernel<<<GET_BLOCKS(n), THREADS_PER_BLOCK, 0,
                                   stream>>>(n, rects_ptr, c % ax.num,
                                             c / ax.num, ax.num, j,
                                             assign_ptr, counts_ptr);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    }
  }

  // one output, as the CPU op: [box_chip (N), chips (C x 4)]
  at::Tensor assign_cpu = box_chip.cpu();
  if (prune && cands.size() > 1) {
    at::Tensor boxes_cpu = boxes.cpu();
    cc::prune_redundant(boxes_cpu.data_ptr<float>(), n, ax, ay, cands,
                        assign_cpu.data_ptr<int64_t>());
  }
  const int64_t num = static_cast<int64_t>(cands.size());
  at::Tensor out = at::empty({n + 4 * num}, at::dtype(at::kLong));
  int64_t* o = out.data_ptr<int64_t>();
  std::copy(assign_cpu.data_ptr<int64_t>(),
            assign_cpu.data_ptr<int64_t>() + n, o);
  cc::write_chips(cands, ax, ay, o + n);
  return out.to(boxes.device());
}
