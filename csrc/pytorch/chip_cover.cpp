// Copyright (c) mmsniper contributors. All rights reserved.
// Device-agnostic entry point of the greedy chip cover.
//
// Inputs are validated by the Python wrapper (mmsniper/ops/chip_cover.py);
// the checks below are a last line of defence that raise a Python
// RuntimeError instead of crashing the process.
//
// Two entry points: chip_cover (tensors, dispatched to CPU or CUDA) and
// chip_cover_numpy (CPU, numpy in and out, no tensor conversions: a few
// microseconds less per call, which is a fifth of a typical call).
#include <pybind11/numpy.h>

#include <vector>

#include "chip_cover_common.hpp"
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

at::Tensor chip_cover_impl(const at::Tensor boxes, int64_t width,
                           int64_t height, int64_t chip_size, int64_t stride,
                           int64_t seed, bool prune) {
  return DISPATCH_DEVICE_IMPL(chip_cover_impl, boxes, width, height,
                              chip_size, stride, seed, prune);
}

static void check_chip_cover_args(int64_t width, int64_t height,
                                  int64_t chip_size, int64_t stride) {
  TORCH_CHECK(width >= 1 && height >= 1,
              "chip_cover: width and height must be >= 1");
  TORCH_CHECK(chip_size >= 1, "chip_cover: chip_size must be >= 1");
  TORCH_CHECK(stride >= 1 && stride <= chip_size,
              "chip_cover: stride must be in [1, chip_size]");
  TORCH_CHECK(width <= (int64_t(1) << 30) && height <= (int64_t(1) << 30),
              "chip_cover: width and height must be <= 2^30");
  namespace cc = mmsniper::chip_cover;
  const int64_t nx = cc::make_axis(width, chip_size, stride).num;
  const int64_t ny = cc::make_axis(height, chip_size, stride).num;
  TORCH_CHECK(cc::bits_for(nx) + cc::bits_for(ny) <= 30,
              "chip_cover: too many candidate chips (", nx, " x ", ny,
              "); use a larger stride");
}

/**
 * Greedy full-containment chip cover of one image at one scale.
 *
 * @param boxes float32 [N, 4] x1y1x2y2 in scaled-image pixels, contiguous.
 * @param width, height scaled image size (pixels, >= 1).
 * @param chip_size chip side (pixels, >= 1).
 * @param stride candidate grid stride (1 <= stride <= chip_size).
 * @param seed tie-break seed (the "shuffle").
 * @param prune drop chips made redundant by later ones.
 * @return int64 [N + 4C] on the boxes' device: box_chip ([N], index of the
 *     chip covering each box or -1) followed by the chips ([C, 4] x1y1x2y2
 *     in emission order). One tensor instead of two saves a few
 *     microseconds per call, which matters at ~20 us per image.
 */
at::Tensor chip_cover(const at::Tensor boxes, int64_t width, int64_t height,
                      int64_t chip_size, int64_t stride, int64_t seed,
                      bool prune) {
  TORCH_CHECK(boxes.dim() == 2 && boxes.size(1) == 4,
              "chip_cover: boxes must have shape [N, 4], got ",
              boxes.sizes());
  TORCH_CHECK(boxes.scalar_type() == at::kFloat,
              "chip_cover: boxes must be float32, got ", boxes.scalar_type());
  TORCH_CHECK(boxes.is_contiguous(), "chip_cover: boxes must be contiguous");
  check_chip_cover_args(width, height, chip_size, stride);
  return chip_cover_impl(boxes, width, height, chip_size, stride, seed,
                         prune);
}

std::vector<int64_t> chip_cover_host(const float* boxes, int64_t n,
                                     int64_t width, int64_t height,
                                     int64_t chip_size, int64_t stride,
                                     int64_t seed, bool prune);

/** chip_cover for a float32 numpy array [N, 4] (C order) on the CPU;
 * returns the same int64 [N + 4C] layout as a numpy array. */
py::array_t<int64_t> chip_cover_numpy(
    py::array_t<float, py::array::c_style> boxes, int64_t width,
    int64_t height, int64_t chip_size, int64_t stride, int64_t seed,
    bool prune) {
  TORCH_CHECK(boxes.ndim() == 2 && boxes.shape(1) == 4,
              "chip_cover: boxes must have shape [N, 4]");
  check_chip_cover_args(width, height, chip_size, stride);
  std::vector<int64_t> res;
  {
    py::gil_scoped_release no_gil;
    res = chip_cover_host(boxes.data(), boxes.shape(0), width, height,
                          chip_size, stride, seed, prune);
  }
  return py::array_t<int64_t>(static_cast<py::ssize_t>(res.size()),
                              res.data());
}
