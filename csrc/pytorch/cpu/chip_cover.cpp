// Copyright (c) mmsniper contributors. All rights reserved.
// CPU implementation of the chip_cover op: tensors in and out around the
// host greedy of chip_cover_greedy.hpp (algorithm notes there).
#include <algorithm>
#include <vector>

#include "chip_cover_common.hpp"
#include "chip_cover_greedy.hpp"
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

at::Tensor chip_cover_cpu(const at::Tensor boxes, int64_t width,
                          int64_t height, int64_t chip_size, int64_t stride,
                          int64_t seed, bool prune) {
  namespace cc = mmsniper::chip_cover;
  CHECK_CPU_INPUT(boxes);
  TORCH_CHECK(boxes.scalar_type() == at::kFloat, "boxes must be float32");
  const int64_t n = boxes.size(0);
  const float* b = boxes.data_ptr<float>();
  const cc::Axis ax = cc::make_axis(width, chip_size, stride);
  const cc::Axis ay = cc::make_axis(height, chip_size, stride);
  const cc::Priority prio =
      cc::make_priority(static_cast<uint64_t>(seed), ax.num, ay.num);
  std::vector<int64_t> cands;
  std::vector<int64_t> assign(n, -1);
  cc::greedy_cover(b, n, ax, ay, prio, cands, assign.data());
  if (prune) cc::prune_redundant(b, n, ax, ay, cands, assign.data());

  // one output: [box_chip (N), chips (C x 4)]
  const int64_t num = static_cast<int64_t>(cands.size());
  at::Tensor out = at::empty({n + 4 * num}, boxes.options().dtype(at::kLong));
  int64_t* o = out.data_ptr<int64_t>();
  std::copy(assign.begin(), assign.end(), o);
  cc::write_chips(cands, ax, ay, o + n);
  return out;
}

at::Tensor chip_cover_impl(const at::Tensor boxes, int64_t width,
                           int64_t height, int64_t chip_size, int64_t stride,
                           int64_t seed, bool prune);
REGISTER_DEVICE_IMPL(chip_cover_impl, CPU, chip_cover_cpu);
