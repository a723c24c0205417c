// Copyright (c) mmsniper contributors. All rights reserved.
// The single Python module mmsniper._ext: one block per op (declaration,
// then binding), in the order the ops were added.
#include <pybind11/numpy.h>

#include "pytorch_cpp_helper.hpp"

// ---------------------------------------------------------------- build info
bool with_cuda() {
#ifdef MMSNIPER_WITH_CUDA
  return true;
#else
  return false;
#endif
}

// ---------------------------------------------------------------- chip_cover
at::Tensor chip_cover(const at::Tensor boxes, int64_t width, int64_t height,
                      int64_t chip_size, int64_t stride, int64_t seed,
                      bool prune);
py::array_t<int64_t> chip_cover_numpy(
    py::array_t<float, py::array::c_style> boxes, int64_t width,
    int64_t height, int64_t chip_size, int64_t stride, int64_t seed,
    bool prune);

// --------------------------------------------------------------- focus_chips
at::Tensor focus_chips(at::Tensor prob_map, double threshold,
                       int64_t dilation, int64_t min_chip_cells,
                       int64_t map_w, int64_t map_h);

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("with_cuda", &with_cuda,
        "whether mmsniper._ext was compiled with CUDA");

  m.def("chip_cover", &chip_cover,
        "greedy full-containment chip cover (SNIPER positive chips); "
        "returns int64 [N + 4C]: box_chip, then chips",
        py::arg("boxes"), py::arg("width"), py::arg("height"),
        py::arg("chip_size"), py::arg("stride"), py::arg("seed"),
        py::arg("prune"));
  m.def("chip_cover_numpy", &chip_cover_numpy,
        "chip_cover for a float32 numpy array on the CPU (no tensors)",
        py::arg("boxes"), py::arg("width"), py::arg("height"),
        py::arg("chip_size"), py::arg("stride"), py::arg("seed"),
        py::arg("prune"));

  m.def("focus_chips", &focus_chips,
        "FocusChips of one FocusPixel map, in cells (AutoFocus)",
        py::arg("prob_map"), py::arg("threshold"), py::arg("dilation"),
        py::arg("min_chip_cells"), py::arg("map_w"), py::arg("map_h"));
}
