// Copyright (c) mmsniper contributors. All rights reserved.
// Host greedy chip cover (SNIPER spec section 1.4), near-linear in the
// number of (box, candidate) containment pairs, never in candidates x boxes:
//   1. per box, the rectangle of candidates holding it (binary search);
//   2. coordinate compression: the rectangle borders cut the candidate grid
//      into cells whose candidates hold exactly the same boxes, so they keep
//      equal counts for the whole greedy and the cell is represented by its
//      lowest tie-break priority (the candidate the original's shuffle would
//      meet first, recovered by inverting the priority bijection). Only
//      candidates inside some rectangle are visited, so the work is
//      O(|union of rectangles| + cells), not O(candidates);
//   3. per cell, the number of boxes it holds (2-D difference array), packed
//      with its priority into one selection key;
//   4. greedy over a two-level tournament: cells are grouped in 8x8 tiles
//      that cache their best key; a round emits the best cell's candidate,
//      covers its boxes, decrements the cells of their rectangles and
//      refreshes the tiles whose best cell was decremented;
//   5. stop when the best cell holds no uncovered box.
//
// Torch-free, so it can be compiled and benchmarked on its own; the op
// (pytorch/cpu/chip_cover.cpp) wraps it in tensors.
#ifndef MMSNIPER_CHIP_COVER_GREEDY_HPP
#define MMSNIPER_CHIP_COVER_GREEDY_HPP

#include <algorithm>
#include <cstdint>
#include <vector>

#include "chip_cover_common.hpp"

namespace mmsniper {
namespace chip_cover {

// Lowest priority of the candidates start, start + 1, ..., start + len - 1
// (one row of a cell). A plain loop the compiler vectorises; on x86-64 GCC
// also builds an AVX2 clone picked at load time.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
static inline uint32_t row_min_priority(const Hash h,
                                 uint32_t start, uint32_t len) {
  uint32_t best = 0xFFFFFFFFu;
  for (uint32_t k = 0; k < len; ++k) {
    const uint32_t p = hash_priority(h, start + k);
    best = p < best ? p : best;
  }
  return best;
}

/** Greedy cover of `n` boxes (float32 [n, 4], scaled pixels).
 *
 * @param cands out: emitted candidates (flat index iy * ax.num + ix), in
 *     emission order.
 * @param assign out: [n] index into `cands` of the chip covering each box,
 *     -1 if none (must be pre-filled with -1).
 */
inline void greedy_cover(const float* boxes, int64_t n, const Axis& ax,
                         const Axis& ay, const Hash& h,
                         std::vector<int64_t>& cands, int64_t* assign) {
  const int64_t nx = ax.num;
  // 1. candidate rectangle of every box
  std::vector<Rect> rects(n);
  std::vector<int64_t> open;  // boxes held by >= 1 candidate, not covered
  open.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    rects[i] = box_rect(boxes + 4 * i, ax, ay);
    if (!rect_empty(rects[i])) open.push_back(i);
  }

  if (!open.empty()) {
    // 2. compressed columns / rows: cell j spans [xe[j], xe[j + 1])
    std::vector<int64_t> xe, ye;
    xe.reserve(2 * open.size());
    ye.reserve(2 * open.size());
    for (int64_t i : open) {
      xe.push_back(rects[i].x0);
      xe.push_back(rects[i].x1 + 1);
      ye.push_back(rects[i].y0);
      ye.push_back(rects[i].y1 + 1);
    }
    std::sort(xe.begin(), xe.end());
    xe.erase(std::unique(xe.begin(), xe.end()), xe.end());
    std::sort(ye.begin(), ye.end());
    ye.erase(std::unique(ye.begin(), ye.end()), ye.end());
    const int64_t gx = static_cast<int64_t>(xe.size()) - 1;
    const int64_t gy = static_cast<int64_t>(ye.size()) - 1;
    std::vector<Rect> crects(n);  // rectangles in cells
    for (int64_t i : open) {
      const Rect& r = rects[i];
      Rect& q = crects[i];
      q.x0 = std::lower_bound(xe.begin(), xe.end(), r.x0) - xe.begin();
      q.x1 = std::lower_bound(xe.begin(), xe.end(), r.x1 + 1) - xe.begin() -
             1;
      q.y0 = std::lower_bound(ye.begin(), ye.end(), r.y0) - ye.begin();
      q.y1 = std::lower_bound(ye.begin(), ye.end(), r.y1 + 1) - ye.begin() -
             1;
    }

    // 3. counts per cell, keys and representatives of non-empty cells
    std::vector<int32_t> counts(gx * gy, 0);
    {
      std::vector<int32_t> diff((gx + 1) * (gy + 1), 0);
      const int64_t w = gx + 1;
      for (int64_t i : open) {
        const Rect& q = crects[i];
        diff[q.y0 * w + q.x0] += 1;
        diff[q.y0 * w + q.x1 + 1] -= 1;
        diff[(q.y1 + 1) * w + q.x0] -= 1;
        diff[(q.y1 + 1) * w + q.x1 + 1] += 1;
      }
      std::vector<int32_t> above(gx, 0);
      for (int64_t y = 0; y < gy; ++y) {
        int32_t run = 0;
        for (int64_t x = 0; x < gx; ++x) {
          run += diff[y * w + x];
          above[x] += run;
          counts[y * gx + x] = above[x];
        }
      }
    }
    std::vector<uint64_t> keys(gx * gy, 0);
    for (int64_t y = 0; y < gy; ++y) {
      for (int64_t x = 0; x < gx; ++x) {
        const int64_t cell = y * gx + x;
        if (counts[cell] <= 0) continue;
        // lowest priority of the cell (vectorisable min); its candidate is
        // recovered from the key by inverting the bijection when emitted
        uint32_t best = 0xFFFFFFFFu;
        const uint32_t len = static_cast<uint32_t>(xe[x + 1] - xe[x]);
        for (int64_t cy = ye[y]; cy < ye[y + 1]; ++cy) {
          const uint32_t p = row_min_priority(
              h, static_cast<uint32_t>(cy * nx + xe[x]), len);
          best = p < best ? p : best;
        }
        keys[cell] = select_key(counts[cell], best);
      }
    }

    // 4. tiles of 8 x 8 cells caching their best key (one tile holding
    //    every cell, i.e. a plain scan per round, when there are few cells)
    const bool flat = gx * gy <= 256;
    const int64_t TX = flat ? gx : 8, TY = flat ? gy : 8;
    const int64_t ntx = (gx + TX - 1) / TX, nty = (gy + TY - 1) / TY;
    std::vector<uint64_t> tile_best(ntx * nty, 0);
    std::vector<int64_t> tile_arg(ntx * nty, 0);
    auto refresh = [&](int64_t t) {
      const int64_t tx = t % ntx, ty = t / ntx;
      const int64_t x_end = std::min(gx, (tx + 1) * TX);
      const int64_t y_end = std::min(gy, (ty + 1) * TY);
      uint64_t best = 0;
      int64_t arg = 0;
      for (int64_t y = ty * TY; y < y_end; ++y) {
        for (int64_t x = tx * TX; x < x_end; ++x) {
          const uint64_t k = keys[y * gx + x];
          if (k > best) {
            best = k;
            arg = y * gx + x;
          }
        }
      }
      tile_best[t] = best;
      tile_arg[t] = arg;
    };
    for (int64_t t = 0; t < ntx * nty; ++t) refresh(t);
    std::vector<char> dirty(ntx * nty, 0);
    std::vector<int64_t> dirty_list;

    constexpr uint64_t kOne = uint64_t(1) << 32;
    while (!open.empty()) {
      int64_t bt = 0;
      for (int64_t t = 1; t < ntx * nty; ++t) {
        if (tile_best[t] > tile_best[bt]) bt = t;
      }
      if ((tile_best[bt] >> 32) == 0) break;
      // 5. emit the best cell's candidate, cover the boxes of the cell
      const int64_t cell = tile_arg[bt];
      const int64_t j = static_cast<int64_t>(cands.size());
      const uint64_t prio = 0xFFFFFFFFull - (tile_best[bt] & 0xFFFFFFFFull);
      cands.push_back(static_cast<int64_t>(hash_inverse(h, prio)));
      const int64_t ix = cell % gx, iy = cell / gx;
      for (size_t k = 0; k < open.size();) {
        const int64_t i = open[k];
        const Rect& q = crects[i];
        if (q.x0 <= ix && ix <= q.x1 && q.y0 <= iy && iy <= q.y1) {
          assign[i] = j;
          for (int64_t y = q.y0; y <= q.y1; ++y) {
            for (int64_t x = q.x0; x <= q.x1; ++x) keys[y * gx + x] -= kOne;
          }
          // a tile's best changes only if its best cell was decremented
          for (int64_t ty = q.y0 / TY; ty <= q.y1 / TY; ++ty) {
            for (int64_t tx = q.x0 / TX; tx <= q.x1 / TX; ++tx) {
              const int64_t t = ty * ntx + tx;
              const int64_t bx = tile_arg[t] % gx, by = tile_arg[t] / gx;
              if (!dirty[t] && q.x0 <= bx && bx <= q.x1 && q.y0 <= by &&
                  by <= q.y1) {
                dirty[t] = 1;
                dirty_list.push_back(t);
              }
            }
          }
          open[k] = open.back();
          open.pop_back();
        } else {
          ++k;
        }
      }
      for (int64_t t : dirty_list) {
        refresh(t);
        dirty[t] = 0;
      }
      dirty_list.clear();
    }
  }
}

}  // namespace chip_cover
}  // namespace mmsniper

#endif  // MMSNIPER_CHIP_COVER_GREEDY_HPP
