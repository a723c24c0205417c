// Copyright (c) mmsniper contributors. All rights reserved.
// CUDA registrations: one block per op (launcher declaration, the *_cuda
// forwarder, the device-agnostic entry point, REGISTER_DEVICE_IMPL).
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

#ifdef MMSNIPER_WITH_CUDA

// ---------------------------------------------------------------- chip_cover
at::Tensor ChipCoverCUDAKernelLauncher(const at::Tensor boxes, int64_t width,
                                       int64_t height, int64_t chip_size,
                                       int64_t stride, int64_t seed,
                                       bool prune);

at::Tensor chip_cover_cuda(const at::Tensor boxes, int64_t width,
                           int64_t height, int64_t chip_size, int64_t stride,
                           int64_t seed, bool prune) {
  CHECK_CUDA_INPUT(boxes);
  return ChipCoverCUDAKernelLauncher(boxes, width, height, chip_size, stride,
                                     seed, prune);
}

at::Tensor chip_cover_impl(const at::Tensor boxes, int64_t width,
                           int64_t height, int64_t chip_size, int64_t stride,
                           int64_t seed, bool prune);
REGISTER_DEVICE_IMPL(chip_cover_impl, CUDA, chip_cover_cuda);

// --------------------------------------------------------------- focus_chips
at::Tensor FocusChipsCUDAKernelLauncher(at::Tensor prob_map, double threshold,
                                        int64_t dilation,
                                        int64_t min_chip_cells, int64_t map_w,
                                        int64_t map_h);

at::Tensor focus_chips_cuda(at::Tensor prob_map, double threshold,
                            int64_t dilation, int64_t min_chip_cells,
                            int64_t map_w, int64_t map_h) {
  CHECK_CUDA(prob_map);
  return FocusChipsCUDAKernelLauncher(prob_map, threshold, dilation,
                                      min_chip_cells, map_w, map_h);
}

at::Tensor focus_chips_impl(at::Tensor prob_map, double threshold,
                            int64_t dilation, int64_t min_chip_cells,
                            int64_t map_w, int64_t map_h);
REGISTER_DEVICE_IMPL(focus_chips_impl, CUDA, focus_chips_cuda);

#endif  // MMSNIPER_WITH_CUDA
