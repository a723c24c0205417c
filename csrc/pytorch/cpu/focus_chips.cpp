// Copyright (c) mmsniper contributors. All rights reserved.
// CPU path of the FocusChip op (AutoFocus, spec 5.3): threshold + dilation,
// contour rectangles by union-find connected-component labelling, and the
// enlarge / merge-by-painting loop. Reference:
// mmsniper/ops/focus_chips_ref.py.
//
// Contours follow OpenCV findContours(RETR_LIST) on a zero-padded mask:
// one outer contour per 8-connected positive component (its bounding box),
// one hole contour per 4-connected zero component that does not touch the
// map border (its bounding box grown by one cell on every side).
#include <climits>
#include <cstdint>
#include <vector>

#include "focus_chips_utils.hpp"
#include "pytorch_cpp_helper.hpp"
#include "pytorch_device_registry.hpp"

namespace {

// prob >= thr, then dilation with a d x d ones kernel anchored at d / 2
// (OpenCV's default); cells outside the map are ignored. Separable: a
// row pass and a column pass of windowed "any" via prefix counts.
void focus_binarize_dilate(const float* prob, int64_t h, int64_t w, float thr,
                           int64_t d, std::vector<uint8_t>* mask) {
  const int64_t a = d / 2;  // the window is [i - a, i + d - 1 - a]
  std::vector<uint8_t> rows(h * w);
  std::vector<int32_t> pre(std::max(h, w) + 1);
  for (int64_t y = 0; y < h; ++y) {
    const float* p = prob + y * w;
    pre[0] = 0;
    for (int64_t x = 0; x < w; ++x) pre[x + 1] = pre[x] + (p[x] >= thr);
    for (int64_t x = 0; x < w; ++x) {
      const int64_t lo = std::max<int64_t>(x - a, 0);
      const int64_t hi = std::min<int64_t>(x + d - a, w);
      rows[y * w + x] = pre[hi] > pre[lo];
    }
  }
  mask->assign(h * w, 0);
  for (int64_t x = 0; x < w; ++x) {
    pre[0] = 0;
    for (int64_t y = 0; y < h; ++y) pre[y + 1] = pre[y] + rows[y * w + x];
    for (int64_t y = 0; y < h; ++y) {
      const int64_t lo = std::max<int64_t>(y - a, 0);
      const int64_t hi = std::min<int64_t>(y + d - a, h);
      (*mask)[y * w + x] = pre[hi] > pre[lo];
    }
  }
}

// Bounding rectangles of the RETR_LIST contours of a binary mask, with
// buffers reused across the iterations of the merge loop. One raster pass
// of union-find: a cell first joins its left neighbour's tree (same value),
// then is united with its other earlier neighbours. Parents never point to
// a later cell, so a second raster pass flattens every tree in O(n).
class FocusContourFinder {
 public:
  FocusContourFinder(int64_t h, int64_t w)
      : h_(h), w_(w), parent_(h * w + 1), box_(4 * h * w) {}

  std::vector<FocusRect> operator()(const std::vector<uint8_t>& mask) {
    const int32_t n = static_cast<int32_t>(h_ * w_);
    const int32_t w = static_cast<int32_t>(w_);
    const int32_t outside = n;  // virtual node: the zero frame around the map
    parent_[outside] = outside;
    for (int32_t y = 0, i = 0; y < h_; ++y) {
      for (int32_t x = 0; x < w; ++x, ++i) {
        const uint8_t v = mask[i];
        parent_[i] = (x > 0 && mask[i - 1] == v) ? parent_[i - 1] : i;
        if (y > 0 && mask[i - w] == v) unite(i, i - w);
        if (v) {  // positive cells: 8-connected
          if (y > 0 && x > 0 && mask[i - w - 1]) unite(i, i - w - 1);
          if (y > 0 && x + 1 < w && mask[i - w + 1]) unite(i, i - w + 1);
        } else if (x == 0 || y == 0 || x + 1 == w || y + 1 == h_) {
          unite(i, outside);  // zero cells: 4-connected, frame = outside
        }
      }
    }
    for (int32_t i = 0; i < n; ++i) {
      parent_[i] = parent_[parent_[i]];  // the parent is already flat
      if (parent_[i] == i) {
        box_[4 * i] = box_[4 * i + 1] = INT32_MAX;
        box_[4 * i + 2] = box_[4 * i + 3] = -1;
      }
    }
    for (int32_t y = 0, i = 0; y < h_; ++y) {
      for (int32_t x = 0; x < w; ++x, ++i) {
        int32_t* b = &box_[4 * parent_[i]];
        b[0] = std::min(b[0], x);
        b[1] = std::min(b[1], y);
        b[2] = std::max(b[2], x);
        b[3] = std::max(b[3], y);
      }
    }
    const int32_t outside_root = parent_[parent_[outside]];
    std::vector<FocusRect> rects;
    for (int32_t i = 0; i < n; ++i) {
      if (parent_[i] != i) continue;
      const int32_t* b = &box_[4 * i];
      if (mask[i]) {  // outer contour
        rects.push_back({b[0], b[1], b[2] + 1LL, b[3] + 1LL});
      } else if (i != outside_root) {  // hole contour
        rects.push_back({b[0] - 1LL, b[1] - 1LL, b[2] + 2LL, b[3] + 2LL});
      }
    }
    return rects;
  }

 private:
  int32_t find(int32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  // The smaller index becomes the root, so a root is its set's first cell.
  void unite(int32_t a, int32_t b) {
    a = find(a);
    b = find(b);
    if (a < b) {
      parent_[b] = a;
    } else if (b < a) {
      parent_[a] = b;
    }
  }

  int64_t h_, w_;
  std::vector<int32_t> parent_;
  std::vector<int32_t> box_;
};

}  // namespace

at::Tensor focus_chips_cpu(at::Tensor prob_map, double threshold,
                           int64_t dilation, int64_t min_chip_cells,
                           int64_t map_w, int64_t map_h) {
  CHECK_CPU(prob_map);
  TORCH_CHECK(prob_map.dim() == 2, "focus_chips: prob_map must be 2-D");
  const at::Tensor prob = prob_map.to(at::kFloat).contiguous();
  const int64_t h = prob.size(0), w = prob.size(1);
  TORCH_CHECK(h * w < INT32_MAX, "focus_chips: the map is too large");
  auto opts = prob_map.options().dtype(at::kLong);
  if (h == 0 || w == 0) return at::zeros({0, 4}, opts);

  std::vector<uint8_t> mask;
  focus_binarize_dilate(prob.data_ptr<float>(), h, w,
                        static_cast<float>(threshold), dilation, &mask);
  FocusContourFinder finder(h, w);
  auto contours = [&]() { return finder(mask); };
  auto paint = [&](const std::vector<FocusRect>& rects) {
    for (const FocusRect& r : rects) {
      const int64_t y2 = std::min(r.y2, h), x2 = std::min(r.x2, w);
      for (int64_t y = std::max<int64_t>(r.y1, 0); y < y2; ++y)
        for (int64_t x = std::max<int64_t>(r.x1, 0); x < x2; ++x)
          mask[y * w + x] = 1;
    }
  };
  const std::vector<FocusRect> chips =
      focus_merge_loop(contours, paint, min_chip_cells, map_w, map_h);

  at::Tensor out = at::empty({static_cast<int64_t>(chips.size()), 4}, opts);
  int64_t* o = out.data_ptr<int64_t>();
  for (size_t i = 0; i < chips.size(); ++i) {
    o[4 * i] = chips[i].x1;
    o[4 * i + 1] = chips[i].y1;
    o[4 * i + 2] = chips[i].x2;
    o[4 * i + 3] = chips[i].y2;
  }
  return out;
}

at::Tensor focus_chips_impl(at::Tensor prob_map, double threshold,
                            int64_t dilation, int64_t min_chip_cells,
                            int64_t map_w, int64_t map_h);
REGISTER_DEVICE_IMPL(focus_chips_impl, CPU, focus_chips_cpu);
