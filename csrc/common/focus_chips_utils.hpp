// Copyright (c) mmsniper contributors. All rights reserved.
// Host-side pieces of the FocusChip op shared by the CPU and CUDA paths:
// the rectangle type, enlarge-and-shift (spec 5.3 step 4) and the
// merge-by-painting loop (step 5). The reference is
// mmsniper/ops/focus_chips_ref.py.
//
// Rectangles are cells [x1, y1, x2, y2) with an exclusive end, like the
// original's [x, y, x + w, y + h].
#ifndef MMSNIPER_FOCUS_CHIPS_UTILS_HPP
#define MMSNIPER_FOCUS_CHIPS_UTILS_HPP

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

struct FocusRect {
  int64_t x1, y1, x2, y2;
};

// Integer floor division for possibly negative numerators.
inline int64_t focus_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// One axis of the original's enlarge-and-shift:
//   c = (2 * start + size) // 2; size = max(k, size)
//   start = max(limit - size, 0)  if c + size // 2 >= limit
//         = 0                     elif c - size // 2 < 0
//         = c - size // 2         otherwise
inline void focus_enlarge_axis(int64_t start, int64_t end, int64_t min_size,
                               int64_t limit, int64_t* out_start,
                               int64_t* out_end) {
  int64_t size = end - start;
  const int64_t centre = focus_floor_div(2 * start + size, 2);
  size = std::max(size, min_size);
  const int64_t half = size / 2;
  int64_t s;
  if (centre + half >= limit) {
    s = std::max<int64_t>(limit - size, 0);
  } else if (centre - half < 0) {
    s = 0;
  } else {
    s = centre - half;
  }
  *out_start = s;
  *out_end = s + size;
}

inline std::vector<FocusRect> focus_enlarge_rects(
    const std::vector<FocusRect>& rects, int64_t min_size, int64_t map_w,
    int64_t map_h) {
  std::vector<FocusRect> out(rects.size());
  for (size_t i = 0; i < rects.size(); ++i) {
    focus_enlarge_axis(rects[i].x1, rects[i].x2, min_size, map_w, &out[i].x1,
                       &out[i].x2);
    focus_enlarge_axis(rects[i].y1, rects[i].y2, min_size, map_h, &out[i].y1,
                       &out[i].y2);
  }
  return out;
}

// Order shared by every path: (y1, x1, y2, x2).
inline void focus_sort_rects(std::vector<FocusRect>* rects) {
  std::sort(rects->begin(), rects->end(),
            [](const FocusRect& a, const FocusRect& b) {
              return std::tie(a.y1, a.x1, a.y2, a.x2) <
                     std::tie(b.y1, b.x1, b.y2, b.x2);
            });
}

// Merge by painting (spec 5.3 step 5), exactly as the original loop:
//   rects = contours(mask); chips = {}; n = -1
//   while n != |chips|: n = |chips|; paint(enlarge(rects));
//                       rects = contours(mask); chips = enlarge(rects)
// `contours()` returns the bounding rectangles of the RETR_LIST contours of
// the current mask; `paint(rects)` sets the cells of the rectangles (clipped
// to the map). The mask only grows, so the loop terminates.
template <typename ContoursFn, typename PaintFn>
std::vector<FocusRect> focus_merge_loop(ContoursFn contours, PaintFn paint,
                                        int64_t min_size, int64_t map_w,
                                        int64_t map_h) {
  std::vector<FocusRect> rects = contours();
  std::vector<FocusRect> chips;
  int64_t num_chips = -1;
  while (num_chips != static_cast<int64_t>(chips.size())) {
    num_chips = static_cast<int64_t>(chips.size());
    paint(focus_enlarge_rects(rects, min_size, map_w, map_h));
    rects = contours();
    chips = focus_enlarge_rects(rects, min_size, map_w, map_h);
  }
  focus_sort_rects(&chips);
  return chips;
}

#endif  // MMSNIPER_FOCUS_CHIPS_UTILS_HPP
