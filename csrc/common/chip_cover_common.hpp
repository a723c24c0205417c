// Copyright (c) mmsniper contributors. All rights reserved.
// Device-agnostic pieces of the greedy chip cover (SNIPER, spec section 1.4),
// shared by the CPU implementation, the CUDA kernels and, line for line, the
// numpy reference in mmsniper/ops/chip_cover_ref.py.
//
// Candidate chips. Along one axis of a (scaled) image of side `size`, chips
// of side `chip` start at the grid origins 0, stride, 2*stride, ... while
// < size - chip, plus one edge origin size - chip; when size <= chip there is
// a single origin 0. A candidate is (ix, iy), flat index c = iy * nx + ix,
// covering [X(ix), min(X(ix) + chip, W)] x [Y(iy), min(Y(iy) + chip, H)].
//
// Containment. A box [x1, y1, x2, y2] is inside candidate c iff
// X(ix) <= x1, x2 <= min(X(ix) + chip, W) and the same along y. Origins are
// sorted, so the candidates holding one box form a rectangle
// [ix_lo, ix_hi] x [iy_lo, iy_hi] of the candidate grid: the relation is
// stored per box as 4 integers, never as a candidates x boxes matrix.
// Comparisons are done in double on values that are exact in double (integer
// origins, float32 coordinates), so every implementation agrees bit for bit.
//
// Tie-break. The original shuffles the candidates and takes the first chip
// with the most uncovered boxes. Here the shuffle is a seeded random order of
// the grid columns and one of the grid rows: priority(ix, iy) =
// rank_y(iy) << bits_x | rank_x(ix), each rank a seeded bijection of
// [0, 2^bits) (bits = bits of the axis' candidate count). The chip with the
// most uncovered boxes wins; ties go to the lowest priority, i.e. the
// candidate in the first row, then the first column of the shuffled orders.
// Ranks cost O(1) each and nothing of size O(candidates) is materialised; the
// lowest priority over a block of candidates is (lowest row rank, lowest
// column rank), found in O(rows + columns). For the candidates holding one
// box (a rectangle) the winner is uniform, as with a full shuffle.
#ifndef MMSNIPER_CHIP_COVER_COMMON_HPP
#define MMSNIPER_CHIP_COVER_COMMON_HPP

#include <cstddef>
#include <cstdint>
#include <vector>

#ifdef __CUDACC__
#define MMSNIPER_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define MMSNIPER_HOST_DEVICE inline
#endif

namespace mmsniper {
namespace chip_cover {

/** Candidate origins along one axis. */
struct Axis {
  int64_t size;      // scaled image side (pixels)
  int64_t chip;      // chip side (pixels)
  int64_t stride;    // grid stride (pixels)
  int64_t num_grid;  // number of grid origins (< size - chip)
  int64_t num;       // number of origins (grid + edge)
};

MMSNIPER_HOST_DEVICE Axis make_axis(int64_t size, int64_t chip,
                                    int64_t stride) {
  Axis a;
  a.size = size;
  a.chip = chip;
  a.stride = stride;
  if (size > chip) {
    a.num_grid = (size - chip + stride - 1) / stride;
    a.num = a.num_grid + 1;
  } else {
    a.num_grid = 0;
    a.num = 1;
  }
  return a;
}

MMSNIPER_HOST_DEVICE int64_t axis_origin(const Axis& a, int64_t k) {
  return k < a.num_grid ? k * a.stride
                        : (a.size > a.chip ? a.size - a.chip : 0);
}

MMSNIPER_HOST_DEVICE int64_t axis_end(const Axis& a, int64_t k) {
  const int64_t e = axis_origin(a, k) + a.chip;
  return e < a.size ? e : a.size;
}

/** Largest k with origin(k) <= v, or -1. */
MMSNIPER_HOST_DEVICE int64_t axis_last_origin_le(const Axis& a, double v) {
  int64_t lo = 0, hi = a.num;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (static_cast<double>(axis_origin(a, mid)) <= v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo - 1;
}

/** Smallest k with end(k) >= v, or num. */
MMSNIPER_HOST_DEVICE int64_t axis_first_end_ge(const Axis& a, double v) {
  int64_t lo = 0, hi = a.num;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (static_cast<double>(axis_end(a, mid)) >= v) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

/** Candidate rectangle [x0, x1] x [y0, y1] holding box b (empty: x0 > x1
 * or y0 > y1). */
struct Rect {
  int64_t x0, x1, y0, y1;
};

MMSNIPER_HOST_DEVICE Rect box_rect(const float* b, const Axis& ax,
                                   const Axis& ay) {
  Rect r;
  r.x0 = axis_first_end_ge(ax, static_cast<double>(b[2]));
  r.x1 = axis_last_origin_le(ax, static_cast<double>(b[0]));
  r.y0 = axis_first_end_ge(ay, static_cast<double>(b[3]));
  r.y1 = axis_last_origin_le(ay, static_cast<double>(b[1]));
  return r;
}

MMSNIPER_HOST_DEVICE bool rect_empty(const Rect& r) {
  return r.x0 > r.x1 || r.y0 > r.y1;
}

/** Seeded bijection of [0, 2^bits), bits <= 31: xor, odd multiply,
 * xorshift (twice), add. 32-bit arithmetic is exact modulo 2^bits (and
 * vectorises); the numpy reference computes the same in uint64. */
struct Hash {
  uint32_t mask, s1, m1, s2, m2;
  int r1, r2, bits;
};

MMSNIPER_HOST_DEVICE uint32_t hash_rank(const Hash& h, uint32_t c) {
  uint32_t x = (c ^ h.s1) & h.mask;
  x = (x * h.m1) & h.mask;
  x ^= x >> h.r1;
  x = (x * h.m2) & h.mask;
  x ^= x >> h.r2;
  return (x + h.s2) & h.mask;
}

/** Tie-break priority of the candidates: one Hash per axis. */
struct Priority {
  Hash hx, hy;
};

MMSNIPER_HOST_DEVICE uint32_t priority(const Priority& p, int64_t ix,
                                       int64_t iy) {
  return (hash_rank(p.hy, static_cast<uint32_t>(iy)) << p.hx.bits) |
         hash_rank(p.hx, static_cast<uint32_t>(ix));
}

/** Selection key: most uncovered boxes first, then lowest priority. */
MMSNIPER_HOST_DEVICE uint64_t select_key(int64_t count, uint32_t prio) {
  return (static_cast<uint64_t>(count) << 32) | (0xFFFFFFFFull - prio);
}

inline uint64_t splitmix64(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ull;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline int bits_for(int64_t num) {
  int bits = 0;
  while ((int64_t(1) << bits) < num) ++bits;
  return bits;
}

inline Hash make_hash(uint64_t& state, int64_t num) {
  const int bits = bits_for(num);
  const uint64_t mask = (uint64_t(1) << bits) - 1;
  Hash h;
  h.mask = static_cast<uint32_t>(mask);
  h.s1 = static_cast<uint32_t>(splitmix64(state) & mask);
  h.m1 = static_cast<uint32_t>((splitmix64(state) & mask) | 1u);
  h.s2 = static_cast<uint32_t>(splitmix64(state) & mask);
  h.m2 = static_cast<uint32_t>((splitmix64(state) & mask) | 1u);
  h.r1 = bits / 2 > 0 ? bits / 2 : 1;
  h.r2 = bits / 3 > 0 ? bits / 3 : 1;
  h.bits = bits;
  return h;
}

/** Priority of an nx x ny candidate grid (bits of nx + bits of ny must be
 * <= 32; the op checks it). */
inline Priority make_priority(uint64_t seed, int64_t nx, int64_t ny) {
  uint64_t state = seed;
  Priority p;
  p.hx = make_hash(state, nx);
  p.hy = make_hash(state, ny);
  return p;
}

/** Inverse of hash_rank (host only; the CUDA launcher turns the winning
 * key back into a candidate with it). */
inline uint64_t hash_inverse(const Hash& h, uint64_t r) {
  const uint64_t mask = h.mask;
  auto unxorshift = [&](uint64_t y, int s) {
    uint64_t x = y;
    for (int i = 0; i < h.bits; i += s) x = y ^ (x >> s);
    return x & mask;
  };
  auto inv_odd = [&](uint64_t m) {
    uint64_t inv = m;  // Newton iteration, exact mod 2^64 after 5 steps
    for (int i = 0; i < 5; ++i) inv *= 2 - m * inv;
    return inv;
  };
  uint64_t x = (r - h.s2) & mask;
  x = unxorshift(x, h.r2);
  x = (x * inv_odd(h.m2)) & mask;
  x = unxorshift(x, h.r1);
  x = (x * inv_odd(h.m1)) & mask;
  return (x ^ h.s1) & mask;
}

}  // namespace chip_cover
}  // namespace mmsniper

#endif  // MMSNIPER_CHIP_COVER_COMMON_HPP
