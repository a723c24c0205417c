// Copyright (c) mmsniper contributors. All rights reserved.
// Host-only ends of the greedy chip cover (SNIPER, spec section 1.4), shared
// by the CPU implementation and the CUDA launcher: the pruning of redundant
// chips (prune_redundant_ref in mmsniper/ops/chip_cover_ref.py, line for
// line) and the output of the chosen candidates as boxes. Candidates and
// axes are those of chip_cover_common.hpp.
#ifndef MMSNIPER_CHIP_COVER_HOST_HPP
#define MMSNIPER_CHIP_COVER_HOST_HPP

#include <cstddef>
#include <cstdint>
#include <vector>

#include "chip_cover_common.hpp"

namespace mmsniper {
namespace chip_cover {

/** x1, y1, x2, y2 of each emitted candidate, into out[4 * C]. */
inline void write_chips(const std::vector<int64_t>& cands, const Axis& ax,
                        const Axis& ay, int64_t* out) {
  for (std::size_t j = 0; j < cands.size(); ++j) {
    const int64_t ix = cands[j] % ax.num, iy = cands[j] / ax.num;
    out[4 * j + 0] = axis_origin(ax, ix);
    out[4 * j + 1] = axis_origin(ay, iy);
    out[4 * j + 2] = axis_end(ax, ix);
    out[4 * j + 3] = axis_end(ay, iy);
  }
}

/** Drop chips whose boxes all lie inside other kept chips (host only).
 *
 * Chips are visited from the last emitted to the first; a chip is dropped
 * when each box assigned to it is fully inside another chip still kept, and
 * those boxes move to the first (in emission order) such chip. `cands` and
 * `box_chip` are updated in place (indices renumbered). Coverage is
 * unchanged; O(N * C).
 */
inline void prune_redundant(const float* boxes, int64_t n, const Axis& ax,
                            const Axis& ay, std::vector<int64_t>& cands,
                            int64_t* box_chip) {
  const int64_t num = static_cast<int64_t>(cands.size());
  if (num < 2) return;
  std::vector<double> cx1(num), cy1(num), cx2(num), cy2(num);
  for (int64_t j = 0; j < num; ++j) {
    const int64_t ix = cands[j] % ax.num, iy = cands[j] / ax.num;
    cx1[j] = static_cast<double>(axis_origin(ax, ix));
    cx2[j] = static_cast<double>(axis_end(ax, ix));
    cy1[j] = static_cast<double>(axis_origin(ay, iy));
    cy2[j] = static_cast<double>(axis_end(ay, iy));
  }
  std::vector<std::vector<int64_t>> members(num);
  for (int64_t i = 0; i < n; ++i) {
    if (box_chip[i] >= 0) members[box_chip[i]].push_back(i);
  }
  std::vector<char> alive(num, 1);
  auto first_other = [&](int64_t i, int64_t j) -> int64_t {
    const float* b = boxes + 4 * i;
    const double x1 = b[0], y1 = b[1], x2 = b[2], y2 = b[3];
    for (int64_t k = 0; k < num; ++k) {
      if (k != j && alive[k] && cx1[k] <= x1 && x2 <= cx2[k] &&
          cy1[k] <= y1 && y2 <= cy2[k]) {
        return k;
      }
    }
    return -1;
  };
  for (int64_t j = num - 1; j >= 0; --j) {
    bool redundant = true;
    for (int64_t i : members[j]) {
      if (first_other(i, j) < 0) {
        redundant = false;
        break;
      }
    }
    if (!redundant) continue;
    alive[j] = 0;
    for (int64_t i : members[j]) {
      const int64_t k = first_other(i, j);
      box_chip[i] = k;
      members[k].push_back(i);
    }
    members[j].clear();
  }
  std::vector<int64_t> new_index(num, -1), kept;
  for (int64_t j = 0; j < num; ++j) {
    if (alive[j]) {
      new_index[j] = static_cast<int64_t>(kept.size());
      kept.push_back(cands[j]);
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    if (box_chip[i] >= 0) box_chip[i] = new_index[box_chip[i]];
  }
  cands.swap(kept);
}

}  // namespace chip_cover
}  // namespace mmsniper

#endif  // MMSNIPER_CHIP_COVER_HOST_HPP
