// Copyright (c) mmsniper contributors. All rights reserved.
// CUDA launcher of the FocusChip op (AutoFocus, spec 5.3). The map work
// (threshold + dilation, labelling, bounding boxes, painting) runs on the
// GPU; the few rectangles per iteration of the enlarge / merge loop are
// handled on the host (focus_chips_utils.hpp), exactly as on the CPU path.
#include <ATen/ATen.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <climits>
#include <vector>

#include "focus_chips_utils.hpp"
#include "focus_map_cuda_kernel.cuh"

namespace {

// Bounding rectangles of the RETR_LIST contours of the (H, W) uint8 mask.
// labels (n + 1) int32 and boxes (n, 4) int32 are scratch buffers.
std::vector<FocusRect> focus_contours_cuda(const at::Tensor& mask,
                                           at::Tensor& labels,
                                           at::Tensor& boxes,
                                           cudaStream_t stream) {
  const int height = mask.size(0), width = mask.size(1);
  const int n = height * width;
  const uint8_t* mask_ptr = mask.data_ptr<uint8_t>();
  int* labels_ptr = labels.data_ptr<int>();
  const int threads = THREADS_PER_BLOCK;
  focus_ccl_init_cuda_kernel<int>
      <<<GET_BLOCKS(n + 1), threads, 0, stream>>>(n + 1, labels_ptr);
  focus_ccl_merge_cuda_kernel<uint8_t>
      <<<GET_BLOCKS(n), threads, 0, stream>>>(n, mask_ptr, height, width,
                                              labels_ptr);
  focus_ccl_compress_cuda_kernel<int>
      <<<GET_BLOCKS(n + 1), threads, 0, stream>>>(n + 1, labels_ptr);
  boxes.narrow(1, 0, 2).fill_(INT_MAX);
  boxes.narrow(1, 2, 2).fill_(-1);
  focus_ccl_bbox_cuda_kernel<int><<<GET_BLOCKS(n), threads, 0, stream>>>(
      n, labels_ptr, width, boxes.data_ptr<int>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();

  // Gather the roots (cells labelled with their own index) on the device,
  // then copy the few boxes to the host.
  const at::Tensor cell_labels = labels.narrow(0, 0, n);
  const at::Tensor roots =
      at::nonzero(cell_labels == at::arange(n, labels.options())).view(-1);
  const at::Tensor root_boxes = boxes.index_select(0, roots).cpu();
  const at::Tensor root_fg = mask.view(-1).index_select(0, roots).cpu();
  const at::Tensor roots_cpu = roots.cpu();
  const int64_t outside_root = labels[n].item<int>();

  const int* b = root_boxes.data_ptr<int>();
  const uint8_t* fg = root_fg.data_ptr<uint8_t>();
  const int64_t* r = roots_cpu.data_ptr<int64_t>();
  std::vector<FocusRect> rects;
  for (int64_t i = 0; i < roots_cpu.numel(); ++i, b += 4) {
    if (fg[i]) {
      rects.push_back({b[0], b[1], b[2] + 1LL, b[3] + 1LL});  // outer
    } else if (r[i] != outside_root) {
      rects.push_back({b[0] - 1LL, b[1] - 1LL, b[2] + 2LL, b[3] + 2LL});
    }
  }
  return rects;
}

}  // namespace

at::Tensor FocusChipsCUDAKernelLauncher(at::Tensor prob_map, double threshold,
                                        int64_t dilation,
                                        int64_t min_chip_cells, int64_t map_w,
                                        int64_t map_h) {
  TORCH_CHECK(prob_map.is_cuda(), "prob_map must be a CUDA tensor");
  c10::cuda::CUDAGuard device_guard(prob_map.device());
  cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const at::Tensor prob = prob_map.contiguous();
  const int64_t height = prob.size(0), width = prob.size(1);
  const int64_t n = height * width;
  TORCH_CHECK(n < INT_MAX, "focus_chips: the map is too large");
  auto long_cpu = at::TensorOptions().dtype(at::kLong);
  if (n == 0) return at::zeros({0, 4}, prob.options().dtype(at::kLong));

  at::Tensor mask = at::empty({height, width}, prob.options().dtype(at::kByte));
  at::Tensor labels = at::empty({n + 1}, prob.options().dtype(at::kInt));
  at::Tensor boxes = at::empty({n, 4}, prob.options().dtype(at::kInt));
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(
      prob.scalar_type(), "focus_binarize_dilate_cuda_kernel", [&] {
        focus_binarize_dilate_cuda_kernel<scalar_t>
            <<<GET_BLOCKS(n), THREADS_PER_BLOCK, 0, stream>>>(
                static_cast<int>(n), prob.data_ptr<scalar_t>(),
                static_cast<int>(height), static_cast<int>(width),
                static_cast<float>(threshold), static_cast<int>(dilation),
                mask.data_ptr<uint8_t>());
      });
  C10_CUDA_KERNEL_LAUNCH_CHECK();

  auto contours = [&]() {
    return focus_contours_cuda(mask, labels, boxes, stream);
  };
  auto paint = [&](const std::vector<FocusRect>& rects) {
    if (rects.empty()) return;
    at::Tensor host = at::empty({static_cast<int64_t>(rects.size()), 4},
                                long_cpu);
    int64_t* h = host.data_ptr<int64_t>();
    for (const FocusRect& r : rects) {
      *h++ = r.x1;
      *h++ = r.y1;
      *h++ = r.x2;
      *h++ = r.y2;
    }
    const at::Tensor dev = host.to(prob.device());
    focus_paint_cuda_kernel<uint8_t>
        <<<GET_BLOCKS(n), THREADS_PER_BLOCK, 0, stream>>>(
        static_cast<int>(n), dev.data_ptr<int64_t>(),
        static_cast<int>(rects.size()), static_cast<int>(width),
        mask.data_ptr<uint8_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  };
  const std::vector<FocusRect> chips =
      focus_merge_loop(contours, paint, min_chip_cells, map_w, map_h);

  at::Tensor out = at::empty({static_cast<int64_t>(chips.size()), 4},
                             long_cpu);
  int64_t* o = out.data_ptr<int64_t>();
  for (const FocusRect& c : chips) {
    *o++ = c.x1;
    *o++ = c.y1;
    *o++ = c.x2;
    *o++ = c.y2;
  }
  return out.to(prob.device());
}
