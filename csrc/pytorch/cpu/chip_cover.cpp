// Copyright (c) mmsniper contributors. All rights reserved.
// CPU implementation of the chip_cover op: tensors in and out around the
// host greedy of chip_cover_greedy.hpp (algorithm notes there).
#include <vector>

#include "chip_cover_common.hpp"
#include "chip_cover_greedy.hpp"
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

std::vector<at::Tensor> chip_cover_cpu(const at::Tensor boxes, int64_t width,
                                       int64_t height, int64_t chip_size,
                                       int64_t stride, int64_t seed,
                                       bool prune) {
  namespace cc = mmsniper::chip_cover;
  CHECK_CPU_INPUT(boxes);
  TORCH_CHECK(boxes.scalar_type() == at::kFloat, "boxes must be float32");
  const int64_t n = boxes.size(0);
  const float* b = boxes.data_ptr<float>();
  const cc::Axis ax = cc::make_axis(width, chip_size, stride);
  const cc::Axis ay = cc::make_axis(height, chip_size, stride);
  const cc::Hash h = cc::make_hash(static_cast<uint64_t>(seed),
                                   ax.num * ay.num);
  std::vector<int64_t> cands;
  at::Tensor box_chip = at::full({n}, -1, boxes.options().dtype(at::kLong));
  int64_t* assign = box_chip.data_ptr<int64_t>();
  cc::greedy_cover(b, n, ax, ay, h, cands, assign);
  if (prune) cc::prune_redundant(b, n, ax, ay, cands, assign);

  const int64_t num = static_cast<int64_t>(cands.size());
  at::Tensor chips = at::empty({num, 4}, boxes.options().dtype(at::kInt));
  int32_t* out = chips.data_ptr<int32_t>();
  for (int64_t j = 0; j < num; ++j) {
    const int64_t ix = cands[j] % ax.num, iy = cands[j] / ax.num;
    out[4 * j + 0] = static_cast<int32_t>(cc::axis_origin(ax, ix));
    out[4 * j + 1] = static_cast<int32_t>(cc::axis_origin(ay, iy));
    out[4 * j + 2] = static_cast<int32_t>(cc::axis_end(ax, ix));
    out[4 * j + 3] = static_cast<int32_t>(cc::axis_end(ay, iy));
  }
  return {chips, box_chip};
}

std::vector<at::Tensor> chip_cover_impl(const at::Tensor boxes, int64_t width,
                                        int64_t height, int64_t chip_size,
                                        int64_t stride, int64_t seed,
                                        bool prune);
REGISTER_DEVICE_IMPL(chip_cover_impl, CPU, chip_cover_cpu);
