# Copyright (c) mmsniper contributors. All rights reserved.
"""Scale statistics of a COCO-style detection dataset.

Works on any COCO json (the synthetic one, COCO, aerial sets): counts,
boxes per image, a histogram of ``sqrt(w * h)`` in log bins, and two
measures of how much small objects cluster:

- ``small_area_share``: share of the image area (in 256 px grid cells,
  densest first) that holds 80% of the small box centres; compared with
  ``uniform_area_share``, the same for as many uniformly placed points.
- ``clark_evans``: mean nearest-neighbour distance of small box centres
  divided by its expectation ``0.5 * sqrt(A / n)`` for uniform points
  (1 = uniform, much less than 1 = clustered).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np

#: Edges of the size histogram (pixels of ``sqrt(w * h)``).
SIZE_BINS: Sequence[float] = (0, 8, 16, 32, 64, 128, 256, 600, np.inf)


def size_bin_labels() -> List[str]:
    """Labels such as ``'8-16'`` of the :data:`SIZE_BINS` intervals."""
    edges = [f'{e:g}' for e in SIZE_BINS]
    labels = [f'{a}-{b}' for a, b in zip(edges[:-1], edges[1:])]
    labels[0], labels[-1] = f'<{edges[1]}', f'>{edges[-2]}'
    return labels


def _cell_share(centres: np.ndarray, H: int, W: int, cell: int,
                cover: float = 0.8) -> float:
    """Smallest share of the image, in whole grid cells taken densest
    first, that holds ``cover`` of the ``centres`` (float ``[N, 2]``)."""
    gh, gw = -(-H // cell), -(-W // cell)
    ix = np.clip((centres[:, 0] // cell).astype(int), 0, gw - 1)
    iy = np.clip((centres[:, 1] // cell).astype(int), 0, gh - 1)
    counts = np.sort(np.bincount(iy * gw + ix, minlength=gh * gw))[::-1]
    need = int(np.searchsorted(np.cumsum(counts), cover * len(centres)))
    return float((need + 1) / (gh * gw))


def _clark_evans(centres: np.ndarray, H: int, W: int) -> float:
    d = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    return float(d.min(1).mean() / (0.5 * np.sqrt(H * W / len(centres))))


def split_stats(coco: dict, small_size: float = 64,
                cell: int = 256) -> Dict[str, object]:
    """Statistics of one COCO dict.

    Args:
        coco (dict): Parsed COCO json (``images`` and ``annotations``).
        small_size (float): Boxes with ``sqrt(w * h)`` below this are small.
            Defaults to 64.
        cell (int): Grid cell of the area share, in pixels. Defaults to 256.

    Returns:
        dict: ``num_images``, ``num_boxes``, ``boxes_per_image`` (mean, min,
        max), ``counts`` (boxes of every image, ``[num_images]``), ``sizes``
        (float array ``[N]``), ``size_hist`` (counts per
        :data:`SIZE_BINS` interval), ``small_share`` and, averaged over
        images with at least 3 small boxes, ``small_area_share``,
        ``uniform_area_share`` and ``clark_evans``.
    """
    images = {im['id']: im for im in coco['images']}
    per_image: Dict[int, list] = {i: [] for i in images}
    for ann in coco['annotations']:
        per_image[ann['image_id']].append(ann['bbox'])
    counts = np.array([len(v) for v in per_image.values()] or [0])
    sizes = np.array([
        np.sqrt(b[2] * b[3]) for boxes in per_image.values() for b in boxes
    ])
    rng = np.random.default_rng(0)
    share, uniform, ce = [], [], []
    for i, boxes in per_image.items():
        b = np.array(boxes, dtype=float).reshape(-1, 4)
        small = b[np.sqrt(b[:, 2] * b[:, 3]) < small_size]
        if len(small) < 3:
            continue
        H, W = images[i]['height'], images[i]['width']
        centres = small[:, :2] + small[:, 2:] / 2
        share.append(_cell_share(centres, H, W, cell))
        uniform.append(
            _cell_share(rng.uniform([0, 0], [W, H], centres.shape), H, W,
                        cell))
        ce.append(_clark_evans(centres, H, W))
    nan = float('nan')
    return dict(
        num_images=len(images),
        num_boxes=int(sizes.size),
        boxes_per_image=(float(counts.mean()), int(counts.min()),
                         int(counts.max())),
        counts=counts,
        sizes=sizes,
        size_hist=np.histogram(sizes, SIZE_BINS)[0].tolist(),
        small_share=float((sizes < small_size).mean()) if sizes.size else nan,
        small_area_share=float(np.mean(share)) if share else nan,
        uniform_area_share=float(np.mean(uniform)) if uniform else nan,
        clark_evans=float(np.mean(ce)) if ce else nan)


def dataset_stats(ann_files: Dict[str, str],
                  small_size: float = 64,
                  cell: int = 256) -> Dict[str, Dict[str, object]]:
    """:func:`split_stats` of every ``{split: json path}``."""
    import json
    out = {}
    for split, path in ann_files.items():
        with open(path) as f:
            out[split] = split_stats(json.load(f), small_size, cell)
    return out


def format_stats(stats: Dict[str, Dict[str, object]],
                 small_size: Optional[float] = 64) -> str:
    """Human-readable table of :func:`dataset_stats`."""
    lines = []
    labels = size_bin_labels()
    for split, s in stats.items():
        mean, lo, hi = s['boxes_per_image']
        lines.append(f'[{split}] {s["num_images"]} images, '
                     f'{s["num_boxes"]} boxes, boxes/image mean {mean:.1f} '
                     f'(min {lo}, max {hi})')
        total = max(1, s['num_boxes'])
        hist = '  '.join(f'{lab}: {c} ({100 * c / total:.0f}%)'
                         for lab, c in zip(labels, s['size_hist']))
        lines.append(f'  sqrt(area) px  {hist}')
        lines.append(
            f'  small (<{small_size:g} px): {100 * s["small_share"]:.0f}% of '
            f'boxes, 80% of them in {100 * s["small_area_share"]:.0f}% of the '
            f'image area (uniform placement: '
            f'{100 * s["uniform_area_share"]:.0f}%), Clark-Evans '
            f'{s["clark_evans"]:.2f} (1 = uniform)')
    return '\n'.join(lines)
