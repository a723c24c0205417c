// Copyright (c) mmsniper contributors. All rights reserved.
// Host greedy chip cover (SNIPER spec section 1.4). Never builds a
// candidates x boxes matrix nor an array over all candidates:
//   1. per box, the rectangle of candidates holding it (binary search);
//   2. coordinate compression: the rectangle borders cut the candidate grid
//      into cells whose candidates hold exactly the same boxes, so they keep
//      equal counts for the whole greedy; a cell is represented by its
//      lowest tie-break priority (the candidate the original's shuffle would
//      meet first), i.e. its lowest row rank and lowest column rank;
//   3. ranks: O(grid side) hashes;
//   4. per cell, the number of boxes it holds (2-D difference array) packed
//      with its priority into one selection key, and the best key of every
//      8x8 tile of cells;
//   5. greedy rounds: emit the best tile's best cell, cover its boxes,
//      decrement the cells of their rectangles, refresh the tiles whose best
//      cell was decremented; stop when the best cell holds no uncovered box.
// Work: O(N log N + cells + grid side + rounds x (tiles + N)) plus the
// decrements, with cells <= (2N + 1)^2 and <= about the candidate count.
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

/** Greedy cover of `n` boxes (float32 [n, 4], scaled pixels).
 *
 * @param cands out: emitted candidates (flat index iy * ax.num + ix), in
 *     emission order.
 * @param assign out: [n] index into `cands` of the chip covering each box,
 *     -1 if none (must be pre-filled with -1).
 */
inline void greedy_cover(const float* boxes, int64_t n, const Axis& ax,
                         const Axis& ay, const Priority& prio,
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

    // 3. lowest column rank of every compressed column and lowest row rank
    //    of every compressed row: a cell's lowest priority combines them
    std::vector<uint32_t> col_rank(gx), row_rank(gy);
    std::vector<int64_t> col_arg(gx), row_arg(gy);
    for (int64_t x = 0; x < gx; ++x) {
      uint32_t best = 0xFFFFFFFFu;
      for (int64_t cx = xe[x]; cx < xe[x + 1]; ++cx) {
        const uint32_t r = hash_rank(prio.hx, static_cast<uint32_t>(cx));
        if (r < best) {
          best = r;
          col_arg[x] = cx;
        }
      }
      col_rank[x] = best;
    }
    for (int64_t y = 0; y < gy; ++y) {
      uint32_t best = 0xFFFFFFFFu;
      for (int64_t cy = ye[y]; cy < ye[y + 1]; ++cy) {
        const uint32_t r = hash_rank(prio.hy, static_cast<uint32_t>(cy));
        if (r < best) {
          best = r;
          row_arg[y] = cy;
        }
      }
      row_rank[y] = best;
    }

    // 4. counts per cell (2-D difference array) packed into keys, and the
    //    best key of every tile of 8 x 8 cells (one tile for few cells)
    const bool flat = gx * gy <= 256;
    const int64_t TX = flat ? gx : 8, TY = flat ? gy : 8;
    const int64_t ntx = (gx + TX - 1) / TX, nty = (gy + TY - 1) / TY;
    std::vector<uint64_t> tile_best(ntx * nty, 0);
    std::vector<int64_t> tile_arg(ntx * nty, 0);
    std::vector<uint64_t> keys(gx * gy);
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
        const uint32_t hi = row_rank[y] << prio.hx.bits;
        uint64_t* row = keys.data() + y * gx;
        for (int64_t x = 0; x < gx; ++x) {  // branch-free
          run += diff[y * w + x];
          above[x] += run;
          const uint64_t k = select_key(above[x], hi | col_rank[x]);
          row[x] = above[x] > 0 ? k : 0;
        }
        const int64_t t0 = (y / TY) * ntx;
        for (int64_t x = 0; x < gx; ++x) {
          const int64_t t = t0 + x / TX;
          const bool gt = row[x] > tile_best[t];
          tile_best[t] = gt ? row[x] : tile_best[t];
          tile_arg[t] = gt ? y * gx + x : tile_arg[t];
        }
      }
    }

    // 5. greedy rounds
    auto refresh = [&](int64_t t) {
      const int64_t tx = t % ntx, ty = t / ntx;
      const int64_t x_end = std::min(gx, (tx + 1) * TX);
      const int64_t y_end = std::min(gy, (ty + 1) * TY);
      uint64_t best = 0;
      int64_t arg = 0;
      for (int64_t y = ty * TY; y < y_end; ++y) {
        for (int64_t x = tx * TX; x < x_end; ++x) {  // branch-free arg-max
          const uint64_t k = keys[y * gx + x];
          const bool gt = k > best;
          best = gt ? k : best;
          arg = gt ? y * gx + x : arg;
        }
      }
      tile_best[t] = best;
      tile_arg[t] = arg;
    };
    std::vector<char> dirty(ntx * nty, 0);
    std::vector<int64_t> dirty_list;

    constexpr uint64_t kOne = uint64_t(1) << 32;
    while (!open.empty()) {
      int64_t bt = 0;
      for (int64_t t = 1; t < ntx * nty; ++t) {
        if (tile_best[t] > tile_best[bt]) bt = t;
      }
      if ((tile_best[bt] >> 32) == 0) break;
      // emit the best cell's candidate, cover the boxes of the cell
      const int64_t cell = tile_arg[bt];
      const int64_t j = static_cast<int64_t>(cands.size());
      const int64_t ix = cell % gx, iy = cell / gx;
      cands.push_back(row_arg[iy] * nx + col_arg[ix]);
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
