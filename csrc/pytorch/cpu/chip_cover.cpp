// Copyright (c) mmsniper contributors. All rights reserved.
// CPU implementation of the chip_cover op: tensors in and out around the
// host greedy of chip_cover_greedy.hpp (algorithm notes there).
#include <algorithm>
#include <vector>

#include "chip_cover_common.hpp"
#include "chip_cover_greedy.hpp"
#include "chip_cover_host.hpp"
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

// Torch-free CPU cover: [box_chip (N), chips (C x 4)] in one vector. Also
// the body of the numpy entry point (chip_cover_numpy in ../chip_cover.cpp).
std::vector<int64_t> chip_cover_host(const float* boxes, int64_t n,
                                     int64_t width, int64_t height,
                                     int64_t chip_size, int64_t stride,
                                     int64_t seed, bool prune) {
  namespace cc = mmsniper::chip_cover;
  const cc::Axis ax = cc::make_axis(width, chip_size, stride);
  const cc::Axis ay = cc::make_axis(height, chip_size, stride);
  const cc::Priority prio =
      cc::make_priority(static_cast<uint64_t>(seed), ax.num, ay.num);
  std::vector<int64_t> cands;
  std::vector<int64_t> out(n, -1);
  cc::greedy_cover(boxes, n, ax, ay, prio, cands, out.data());
  if (prune) cc::prune_redundant(boxes, n, ax, ay, cands, out.data());
  out.resize(n + 4 * cands.size());
  cc::write_chips(cands, ax, ay, out.data() + n);
  return out;
}

at::Tensor chip_cover_cpu(const at::Tensor boxes, int64_t width,
                          int64_t height, int64_t chip_size, int64_t stride,
                          int64_t seed, bool prune) {
  CHECK_CPU_INPUT(boxes);
  TORCH_CHECK(boxes.scalar_type() == at::kFloat, "boxes must be float32");
  const std::vector<int64_t> res =
      chip_cover_host(boxes.data_ptr<float>(), boxes.size(0), width, height,
                      chip_size, stride, seed, prune);
  at::Tensor out = at::empty({static_cast<int64_t>(res.size())},
                             boxes.options().dtype(at::kLong));
  std::copy(res.begin(), res.end(), out.data_ptr<int64_t>());
  return out;
}

at::Tensor chip_cover_impl(const at::Tensor boxes, int64_t width,
                           int64_t height, int64_t chip_size, int64_t stride,
                           int64_t seed, bool prune);
REGISTER_DEVICE_IMPL(chip_cover_impl, CPU, chip_cover_cpu);
