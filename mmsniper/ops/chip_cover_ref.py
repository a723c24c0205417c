# Copyright (c) mmsniper contributors. All rights reserved.
"""Pure numpy reference of the greedy chip cover (SNIPER spec section 1.4).

This is the executable definition of ``mmsniper._ext.chip_cover``: the C++
and CUDA paths are tested against it for bitwise equality, and it is the
fallback when the extension is not built. Its structure follows
``csrc/common/chip_cover_common.hpp`` (and ``chip_cover_host.hpp`` for
the pruning) line for line.

Shape shorthands: ``N`` boxes, ``C`` emitted chips, ``M = nx * ny``
candidate chips.

Candidates: along an axis of side ``size`` chips of side ``chip`` start at
``0, stride, 2 * stride, ...`` while ``< size - chip``, plus the edge origin
``size - chip``; a single origin 0 when ``size <= chip`` (the chip is then
clipped to the image). Candidate ``c = iy * nx + ix``.

Containment (the original's ``inter / area(box) == 1``): box
``[x1, y1, x2, y2]`` is inside candidate ``(ix, iy)`` iff
``X[ix] <= x1``, ``x2 <= min(X[ix] + chip, W)`` and the same along y. The
candidates holding a box form a rectangle of the grid, found by binary
search. Memory is ``O(M + N)``: no candidates x boxes matrix.

Greedy: take the candidate holding the most uncovered boxes, ties to the
lowest seeded priority (the original's random shuffle, here of the grid's
rows and columns, see :func:`candidate_priority`); emit it, mark its boxes
covered, repeat while the best candidate holds at least one uncovered box.

Memory is ``O(M + N)``; time is ``O(M)`` per emitted chip (this reference
recounts the arg-max over all candidates each round; the native op uses a
lazy heap and is near-linear).
"""
from typing import List, Tuple

import numpy as np

_MASK64 = (1 << 64) - 1


def axis_origins(size: int, chip: int, stride: int) -> np.ndarray:
    """Candidate origins along one axis.

    Args:
        size (int): Image side in (scaled) pixels.
        chip (int): Chip side.
        stride (int): Grid stride.

    Returns:
        np.ndarray: int64 ``[n]``, sorted ascending.
    """
    if size <= chip:
        return np.zeros(1, dtype=np.int64)
    num_grid = (size - chip + stride - 1) // stride
    return np.append(np.arange(num_grid, dtype=np.int64) * stride,
                     np.int64(size - chip))


def _splitmix64(state: int) -> Tuple[int, int]:
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31), state


def make_hash(state: int, num: int) -> Tuple[Tuple[int, ...], int]:
    """Parameters ``(mask, s1, m1, s2, m2, r1, r2, bits)`` of a seeded
    bijection of ``[0, 2^bits)`` with ``2^bits >= num``, and the advanced
    splitmix64 state."""
    bits = 0
    while (1 << bits) < num:
        bits += 1
    mask = (1 << bits) - 1
    vals = []
    for _ in range(4):
        v, state = _splitmix64(state)
        vals.append(v & mask)
    s1, m1, s2, m2 = vals[0], vals[1] | 1, vals[2], vals[3] | 1
    return (mask, s1, m1, s2, m2, max(bits // 2, 1), max(bits // 3, 1),
            bits), state


def hash_rank(values: np.ndarray, params: Tuple[int, ...]) -> np.ndarray:
    """The bijection: xor, odd multiply, xorshift, odd multiply, xorshift,
    add, all modulo ``2^bits``. uint64 ``[K]``."""
    mask, s1, m1, s2, m2, r1, r2, _ = (np.uint64(v) for v in params)
    x = (np.asarray(values, dtype=np.uint64) ^ s1) & mask
    x = (x * m1) & mask
    x ^= x >> r1
    x = (x * m2) & mask
    x ^= x >> r2
    return (x + s2) & mask


def candidate_priority(seed: int, nx: int, ny: int) -> np.ndarray:
    """Tie-break priority of every candidate (lower wins): uint64
    ``[ny, nx]``.

    The original shuffles the candidates; here the columns and the rows of
    the candidate grid are shuffled by seeded bijections (ranks) and
    ``priority = rank_y << bits_x | rank_x``: ties go to the first row,
    then the first column, of the shuffled orders. Values are distinct.

    Args:
        seed (int): Shuffle seed, ``0 <= seed < 2**63``.
        nx (int): Candidates per row.
        ny (int): Candidates per column.
    """
    hx, state = make_hash(int(seed) & _MASK64, nx)
    hy, _ = make_hash(state, ny)
    rx = hash_rank(np.arange(nx), hx)
    ry = hash_rank(np.arange(ny), hy)
    return (ry[:, None] << np.uint64(hx[-1])) | rx[None, :]


def box_rects(boxes: np.ndarray, xs: np.ndarray, ys: np.ndarray, width: int,
              height: int, chip: int) -> np.ndarray:
    """Candidate rectangle ``[x0, x1, y0, y1]`` holding each box.

    Args:
        boxes (np.ndarray): float32 ``[N, 4]``.
        xs, ys (np.ndarray): Origins from :func:`axis_origins`.
        width, height (int): Image size.
        chip (int): Chip side.

    Returns:
        np.ndarray: int64 ``[N, 4]``; empty when ``x0 > x1`` or ``y0 > y1``.
    """
    b = boxes.astype(np.float64)
    x_end = np.minimum(xs + chip, width).astype(np.float64)
    y_end = np.minimum(ys + chip, height).astype(np.float64)
    x0 = np.searchsorted(x_end, b[:, 2], side='left')
    x1 = np.searchsorted(xs.astype(np.float64), b[:, 0], side='right') - 1
    y0 = np.searchsorted(y_end, b[:, 3], side='left')
    y1 = np.searchsorted(ys.astype(np.float64), b[:, 1], side='right') - 1
    return np.stack([x0, x1, y0, y1], axis=1).astype(np.int64)


def prune_redundant_ref(boxes: np.ndarray, chips: np.ndarray,
                        box_chip: np.ndarray) -> Tuple[np.ndarray, ...]:
    """Drop chips whose boxes all lie inside other kept chips.

    Chips are visited from the last emitted to the first; a chip is dropped
    when every box assigned to it is fully inside another kept chip, and
    those boxes move to the first such chip in emission order.

    Args:
        boxes (np.ndarray): float32 ``[N, 4]``.
        chips (np.ndarray): int ``[C, 4]`` in emission order.
        box_chip (np.ndarray): int64 ``[N]``, chip of each box or -1.

    Returns:
        tuple: ``keep`` (bool ``[C]``) and the renumbered ``box_chip``.
    """
    num = len(chips)
    box_chip = box_chip.copy()
    keep = np.ones(num, dtype=bool)
    if num < 2:
        return keep, box_chip
    c = chips.astype(np.float64)
    b = boxes.astype(np.float64)
    members: List[List[int]] = [[] for _ in range(num)]
    for i in np.flatnonzero(box_chip >= 0):
        members[box_chip[i]].append(int(i))

    def first_other(i: int, j: int) -> int:
        inside = ((c[:, 0] <= b[i, 0]) & (b[i, 2] <= c[:, 2])
                  & (c[:, 1] <= b[i, 1]) & (b[i, 3] <= c[:, 3]) & keep)
        inside[j] = False
        hits = np.flatnonzero(inside)
        return int(hits[0]) if len(hits) else -1

    for j in range(num - 1, -1, -1):
        if any(first_other(i, j) < 0 for i in members[j]):
            continue
        keep[j] = False
        for i in members[j]:
            k = first_other(i, j)
            box_chip[i] = k
            members[k].append(i)
        members[j] = []
    new_index = np.cumsum(keep) - 1
    has = box_chip >= 0
    box_chip[has] = new_index[box_chip[has]]
    return keep, box_chip


def chip_cover_ref(boxes: np.ndarray,
                   width: int,
                   height: int,
                   chip_size: int,
                   stride: int,
                   seed: int,
                   prune: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """Greedy full-containment chip cover of one image at one scale.

    Args:
        boxes (np.ndarray): float32 ``[N, 4]`` x1y1x2y2 in scaled pixels,
            finite (callers validate; see :func:`mmsniper.ops.chip_cover`).
        width (int): Scaled image width.
        height (int): Scaled image height.
        chip_size (int): Chip side.
        stride (int): Candidate grid stride.
        seed (int): Tie-break ("shuffle") seed, ``0 <= seed < 2**63``.
        prune (bool): Drop chips made redundant by others. Defaults to False.

    Returns:
        tuple[np.ndarray, np.ndarray]:

        - chips (np.ndarray): int32 ``[C, 4]`` x1y1x2y2 in emission order,
          clipped to the image.
        - box_chip (np.ndarray): int64 ``[N]``, the chip covering each box,
          -1 when no candidate holds it.
    """
    boxes = np.ascontiguousarray(boxes, dtype=np.float32).reshape(-1, 4)
    xs = axis_origins(width, chip_size, stride)
    ys = axis_origins(height, chip_size, stride)
    nx, ny = len(xs), len(ys)
    rects = box_rects(boxes, xs, ys, width, height, chip_size)
    x0, x1, y0, y1 = rects.T
    uncovered = (x0 <= x1) & (y0 <= y1)

    # counts by a 2-D difference array
    diff = np.zeros((ny + 1, nx + 1), dtype=np.int64)
    o = uncovered
    np.add.at(diff, (y0[o], x0[o]), 1)
    np.add.at(diff, (y0[o], x1[o] + 1), -1)
    np.add.at(diff, (y1[o] + 1, x0[o]), -1)
    np.add.at(diff, (y1[o] + 1, x1[o] + 1), 1)
    counts = diff.cumsum(0).cumsum(1)[:ny, :nx].ravel()
    prio = candidate_priority(seed, nx, ny).ravel()

    cands: List[int] = []
    box_chip = np.full(len(boxes), -1, dtype=np.int64)
    while True:
        best = counts.max() if counts.size else 0
        if best <= 0:
            break
        tied = np.flatnonzero(counts == best)
        c = int(tied[np.argmin(prio[tied])])
        ix, iy = c % nx, c // nx
        hit = uncovered & (x0 <= ix) & (ix <= x1) & (y0 <= iy) & (iy <= y1)
        box_chip[hit] = len(cands)
        cands.append(c)
        uncovered &= ~hit
        counts2d = counts.reshape(ny, nx)
        for i in np.flatnonzero(hit):
            counts2d[y0[i]:y1[i] + 1, x0[i]:x1[i] + 1] -= 1

    cand = np.asarray(cands, dtype=np.int64)
    cx = xs[cand % nx]
    cy = ys[cand // nx]
    chips = np.stack([
        cx, cy,
        np.minimum(cx + chip_size, width),
        np.minimum(cy + chip_size, height)
    ], axis=1).astype(np.int32).reshape(-1, 4)
    if prune:
        keep, box_chip = prune_redundant_ref(boxes, chips, box_chip)
        chips = chips[keep]
    return chips, box_chip
