// Copyright (c) mmsniper contributors. All rights reserved.
// CUDA kernels of the FocusChip op's map operations (AutoFocus, spec 5.3):
// threshold + dilation, painting rectangles, and connected-component
// labelling by concurrent union-find (Playne & Hawick, "A new algorithm for
// parallel connected-component labelling on GPUs", TPDS 2018), followed by
// per-component bounding boxes with atomicMin / atomicMax.
//
// Labels: one int per cell plus one virtual "outside" node at index n = H*W
// that stands for the zero frame around the map (OpenCV pads the image with
// zeros). Positive cells are 8-connected, zero cells 4-connected and joined
// to "outside" on the map border, so every zero component that is not
// joined to it is a hole. Union links the larger root to the smaller one,
// so a root is the first cell (in raster order) of its component.
#ifndef FOCUS_MAP_CUDA_KERNEL_CUH
#define FOCUS_MAP_CUDA_KERNEL_CUH

#include <cstdint>

#include "common_cuda_helper.hpp"

// mask[y, x] = any(prob[y + dy, x + dx] >= threshold), dy, dx in
// [-d / 2, d - 1 - d / 2], cells outside the map ignored.
template <typename T>
__global__ void focus_binarize_dilate_cuda_kernel(
    const int nthreads, const T* prob, const int height, const int width,
    const float threshold, const int dilation, uint8_t* mask) {
  CUDA_1D_KERNEL_LOOP(i, nthreads) {
    const int index = static_cast<int>(i);
    const int x = index % width, y = index / width;
    const int a = dilation / 2;
    const int y0 = max(y - a, 0), y1 = min(y + dilation - a, height);
    const int x0 = max(x - a, 0), x1 = min(x + dilation - a, width);
    uint8_t v = 0;
    for (int yy = y0; yy < y1 && !v; ++yy) {
      for (int xx = x0; xx < x1; ++xx) {
        if (static_cast<float>(prob[yy * width + xx]) >= threshold) {
          v = 1;
          break;
        }
      }
    }
    mask[index] = v;
  }
}

// Set the cells covered by any of the rectangles [x1, y1, x2, y2).
template <typename mask_t>
__global__ void focus_paint_cuda_kernel(const int nthreads,
                                        const int64_t* rects,
                                        const int num_rects, const int width,
                                        mask_t* mask) {
  CUDA_1D_KERNEL_LOOP(i, nthreads) {
    const int index = static_cast<int>(i);
    if (mask[index]) continue;
    const int x = index % width, y = index / width;
    for (int k = 0; k < num_rects; ++k) {
      const int64_t* r = rects + 4 * k;
      if (x >= r[0] && x < r[2] && y >= r[1] && y < r[3]) {
        mask[index] = 1;
        break;
      }
    }
  }
}

template <typename index_t>
__device__ __forceinline__ index_t focus_find_root(const index_t* labels,
                                                   index_t i) {
  index_t parent = labels[i];
  while (parent != i) {
    i = parent;
    parent = labels[i];
  }
  return i;
}

// Lock-free union: hang the larger root under the smaller one, retrying
// when another thread changed the root meanwhile.
template <typename index_t>
__device__ __forceinline__ void focus_union(index_t* labels, index_t a,
                                            index_t b) {
  bool done = false;
  while (!done) {
    a = focus_find_root(labels, a);
    b = focus_find_root(labels, b);
    if (a < b) {
      const index_t old = atomicMin(labels + b, a);
      done = (old == b);
      b = old;
    } else if (b < a) {
      const index_t old = atomicMin(labels + a, b);
      done = (old == a);
      a = old;
    } else {
      done = true;
    }
  }
}

// nthreads = n + 1 (the cells and the outside node).
template <typename index_t>
__global__ void focus_ccl_init_cuda_kernel(const int nthreads,
                                           index_t* labels) {
  CUDA_1D_KERNEL_LOOP(i, nthreads) { labels[i] = static_cast<index_t>(i); }
}

// nthreads = n; the outside node is labels[n].
template <typename mask_t>
__global__ void focus_ccl_merge_cuda_kernel(const int nthreads,
                                            const mask_t* mask,
                                            const int height, const int width,
                                            int* labels) {
  CUDA_1D_KERNEL_LOOP(i, nthreads) {
    const int index = static_cast<int>(i);
    const int x = index % width, y = index / width;
    const mask_t v = mask[index];
    if (x > 0 && mask[index - 1] == v) focus_union(labels, index, index - 1);
    if (y > 0 && mask[index - width] == v) {
      focus_union(labels, index, index - width);
    }
    if (v) {
      if (y > 0 && x > 0 && mask[index - width - 1]) {
        focus_union(labels, index, index - width - 1);
      }
      if (y > 0 && x + 1 < width && mask[index - width + 1]) {
        focus_union(labels, index, index - width + 1);
      }
    } else if (x == 0 || y == 0 || x + 1 == width || y + 1 == height) {
      focus_union(labels, index, nthreads);
    }
  }
}

// nthreads = n + 1: point every node straight at its root.
template <typename index_t>
__global__ void focus_ccl_compress_cuda_kernel(const int nthreads,
                                               index_t* labels) {
  CUDA_1D_KERNEL_LOOP(i, nthreads) {
    labels[i] = focus_find_root(labels, static_cast<index_t>(i));
  }
}

// boxes (n, 4) = [min x, min y, max x, max y] per root, pre-filled with
// (INT_MAX, INT_MAX, -1, -1); labels must be compressed.
template <typename index_t>
__global__ void focus_ccl_bbox_cuda_kernel(const int nthreads,
                                           const index_t* labels,
                                           const int width, index_t* boxes) {
  CUDA_1D_KERNEL_LOOP(i, nthreads) {
    const int index = static_cast<int>(i);
    const int x = index % width, y = index / width;
    index_t* b = boxes + 4 * labels[index];
    atomicMin(b, x);
    atomicMin(b + 1, y);
    atomicMax(b + 2, x);
    atomicMax(b + 3, y);
  }
}

#endif  // FOCUS_MAP_CUDA_KERNEL_CUH
