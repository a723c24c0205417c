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

#include <vector>

#include "chip_cover_cuda_kernel.cuh"

std::vector<at::Tensor> ChipCoverCUDAKernelLauncher(const at::Tensor boxes,
                                                    int64_t width,
                                                    int64_t height,
                                                    int64_t chip_size,
                                                    int64_t stride,
                                                    int64_t seed,
                                                    bool prune) {
  namespace cc = mmsniper::chip_cover;
  const c10::cuda::CUDAGuard device_guard(boxes.device());
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const int64_t n = boxes.size(0);
  const cc::Axis ax = cc::make_axis(width, chip_size, stride);
  const cc::Axis ay = cc::make_axis(height, chip_size, stride);
  const int64_t m = ax.num * ay.num;
  const cc::Hash h = cc::make_hash(static_cast<uint64_t>(seed), m);

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
                                     stream>>>(m, counts_ptr, h, best_ptr);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
      unsigned long long key = 0;
      C10_CUDA_CHECK(cudaMemcpyAsync(&key, best_ptr, sizeof(key),
                                     cudaMemcpyDeviceToHost, stream));
      C10_CUDA_CHECK(cudaStreamSynchronize(stream));
      if (key == 0) break;
      const uint64_t prio = 0xFFFFFFFFull - (key & 0xFFFFFFFFull);
      const int64_t c = static_cast<int64_t>(cc::hash_inverse(h, prio));
      const int64_t j = static_cast<int64_t>(cands.size());
      cands.push_back(c);
      cc::chip_cover_take_kernel<<<GET_BLOCKS(n), THREADS_PER_BLOCK, 0,
                                   stream>>>(n, rects_ptr, c % ax.num,
                                             c / ax.num, ax.num, j,
                                             assign_ptr, counts_ptr);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    }
  }

  if (prune && cands.size() > 1) {
    at::Tensor boxes_cpu = boxes.cpu();
    at::Tensor assign_cpu = box_chip.cpu();
    cc::prune_redundant(boxes_cpu.data_ptr<float>(), n, ax, ay, cands,
                        assign_cpu.data_ptr<int64_t>());
    box_chip = assign_cpu.to(boxes.device());
  }
  const int64_t num = static_cast<int64_t>(cands.size());
  at::Tensor chips = at::empty({num, 4}, at::dtype(at::kInt));
  int32_t* out = chips.data_ptr<int32_t>();
  for (int64_t j = 0; j < num; ++j) {
    const int64_t ix = cands[j] % ax.num, iy = cands[j] / ax.num;
    out[4 * j + 0] = static_cast<int32_t>(cc::axis_origin(ax, ix));
    out[4 * j + 1] = static_cast<int32_t>(cc::axis_origin(ay, iy));
    out[4 * j + 2] = static_cast<int32_t>(cc::axis_end(ax, ix));
    out[4 * j + 3] = static_cast<int32_t>(cc::axis_end(ay, iy));
  }
  return {chips.to(boxes.device()), box_chip};
}
