// Copyright (c) mmsniper contributors. All rights reserved.
// Device-agnostic entry point of the FocusChip op (AutoFocus, spec 5.3).
// The CPU path is csrc/pytorch/cpu/focus_chips.cpp, the CUDA path
// csrc/pytorch/cuda/focus_chips_cuda.cu (registered in cudabind.cpp).
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

at::Tensor focus_chips_impl(at::Tensor prob_map, double threshold,
                            int64_t dilation, int64_t min_chip_cells,
                            int64_t map_w, int64_t map_h) {
  return DISPATCH_DEVICE_IMPL(focus_chips_impl, prob_map, threshold, dilation,
                              min_chip_cells, map_w, map_h);
}

// FocusChips of one FocusPixel map, in cells.
//   prob_map: (H, W) floating probabilities; threshold: binarise at >= t;
//   dilation: d x d ones kernel; min_chip_cells: k; map_w / map_h: the
//   limits iw / ih chips are shifted into.
// Returns (K, 4) int64 [x1, y1, x2, y2) cell rectangles on prob_map's
// device, sorted by (y1, x1, y2, x2).
at::Tensor focus_chips(at::Tensor prob_map, double threshold,
                       int64_t dilation, int64_t min_chip_cells,
                       int64_t map_w, int64_t map_h) {
  TORCH_CHECK(prob_map.dim() == 2, "focus_chips: prob_map must be 2-D, got ",
              prob_map.dim(), "-D");
  TORCH_CHECK(at::isFloatingType(prob_map.scalar_type()),
              "focus_chips: prob_map must be a floating tensor");
  TORCH_CHECK(dilation >= 1 && min_chip_cells >= 1 && map_w >= 1 &&
                  map_h >= 1,
              "focus_chips: dilation, min_chip_cells, map_w and map_h must "
              "be >= 1");
  return focus_chips_impl(prob_map, threshold, dilation, min_chip_cells,
                          map_w, map_h);
}
