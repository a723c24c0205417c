# Copyright (c) mmsniper contributors. All rights reserved.
"""One synthetic image: :func:`render_scene` / :func:`generate_image`.

Every image is a deterministic function of ``(seed, split, index)``: its
RNG is ``numpy.random.default_rng(SeedSequence([seed, crc32(split),
index]))`` (:func:`image_seed`), so one image can be regenerated alone,
with the same pixels and byte-equal annotations.

Annotation format versions (:data:`FORMAT_VERSIONS`; the pixels and boxes
are the same in all of them):

- ``1``: COCO ``bbox``, ``area`` (the box area, ``w * h``),
  ``category_id``, ``iscrowd``.
- ``2`` (default): and ``segmentation``, the object's polygons (COCO:
  a list of flat ``[x0, y0, x1, y1, ...]`` lists, pixel-edge coordinates,
  clipped to the image; ``area`` stays the box area, so that box results
  do not change). An object that no later object covers gets the outline
  it was filled with (convex parts, widened by cv2's fill rule; see
  :mod:`.render`): IoU with its pixels about 0.98, above 0.9 from 16 px.
  An occluded one (later objects cover at most ``max_occlusion`` of it)
  gets the outer outlines of its visible pixels (:func:`visible_polygons`,
  one polygon per visible piece, rasterising to those pixels); a later
  object lying inside it leaves no hole in its polygon, so the two masks
  overlap there.
"""
import zlib
from dataclasses import dataclass
from typing import Dict, List, Tuple, Union

import cv2
import numpy as np

from ...chips.polygons import clip_polygon, is_degenerate
from .distractors import draw_distractors, render_background
from .presets import SyntheticPreset, get_preset
from .render import CLASS_NAMES, render_object

#: Annotation format versions (see the module doc); the newest is default.
FORMAT_VERSIONS: Dict[int, str] = {
    1: 'boxes',
    2: 'boxes and polygons (segmentation)'
}
FORMAT_VERSION = max(FORMAT_VERSIONS)
_MAX_TRIES = 12

SeedLike = Union[int, np.random.SeedSequence, np.random.Generator]
PresetLike = Union[str, SyntheticPreset]


def check_format_version(version: int) -> int:
    """Return ``version`` if known.

    Raises:
        ValueError: naming the unknown version and the known ones.
    """
    if version not in FORMAT_VERSIONS:
        raise ValueError(f'unknown synthetic format_version {version!r}; '
                         f'known: {FORMAT_VERSIONS}')
    return int(version)


def image_seed(seed: int, split: str, index: int) -> np.random.SeedSequence:
    """Seed of image ``index`` of ``split``, independent of every other."""
    return np.random.SeedSequence(
        [int(seed), zlib.crc32(split.encode()), int(index)])


def _as_rng(rng_or_seed: SeedLike) -> np.random.Generator:
    if isinstance(rng_or_seed, np.random.Generator):
        return rng_or_seed
    return np.random.default_rng(rng_or_seed)


@dataclass
class Scene:
    """One rendered image and everything known about it.

    Attributes:
        img (np.ndarray): uint8 BGR ``[H, W, 3]``.
        background (np.ndarray): The image before the objects were drawn
            (background plus distractors), uint8 BGR ``[H, W, 3]``.
        instance_map (np.ndarray): int16 ``[H, W]``, ``k + 1`` where
            ``anns[k]`` is visible, 0 elsewhere.
        anns (list[dict]): COCO-style ``bbox`` ``[x, y, w, h]``, ``area``,
            ``category_id`` (from 1), ``iscrowd`` and ``segmentation``
            (format version 2, see the module doc).
        clusters (np.ndarray): float ``[C, 3]``, ``(cx, cy, sigma)`` of the
            small-object clusters.
    """
    img: np.ndarray
    background: np.ndarray
    instance_map: np.ndarray
    anns: List[dict]
    clusters: np.ndarray


def _draw_objects(rng: np.random.Generator, p: SyntheticPreset, H: int,
                  W: int) -> Tuple[np.ndarray, ...]:
    """Object classes, nominal sizes ``[N]``, aspect ratios ``[N]``,
    angles ``[N]``, largest first."""
    lo, hi = p.dense_objects if rng.random() < p.dense_prob \
        else p.num_objects
    n = int(rng.integers(lo, hi + 1))
    size = np.exp(rng.uniform(*np.log(p.obj_size_range), n))
    ar = np.exp(rng.uniform(*np.log(p.aspect_range), n))
    # keep the longer side within 90% of the shorter image side
    longest = size * np.sqrt(np.maximum(ar, 1 / ar)) * 1.2
    size *= np.minimum(1, 0.9 * min(H, W) / longest)
    labels = rng.integers(0, len(CLASS_NAMES), n)
    angle = rng.uniform(-p.max_angle, p.max_angle, n)
    order = np.argsort(-size, kind='stable')
    return labels[order], size[order], ar[order], angle[order]


def render_scene(rng_or_seed: SeedLike,
                 preset: PresetLike = 'tiny') -> Scene:
    """Render one image with its annotations.

    Objects are drawn largest first; small ones (under
    ``preset.small_size``) mostly land around 1-3 Gaussian cluster
    centres. A placement is retried (up to 12 times, then dropped) when it
    would hide more than ``preset.max_occlusion`` of an object already
    drawn or, for objects that are not small, when more than
    ``preset.max_overlap_new`` of it would lie on earlier objects. A large
    object is skipped when it and all smaller objects would fill more than
    ``preset.max_fill`` of the image.
    Boxes are computed from the visible pixels, so they are tight;
    polygons as the module doc says (no random numbers are drawn for them,
    so the pixels and boxes are those of format version 1).

    Args:
        rng_or_seed (int | SeedSequence | Generator): Randomness source.
        preset (str | SyntheticPreset): Preset or its name.

    Returns:
        Scene: the image, its background, instance map and annotations.
    """
    p = get_preset(preset)
    rng = _as_rng(rng_or_seed)
    lo, hi = p.img_size_range
    W, H = (int(v) for v in rng.integers(lo, hi + 1, 2))
    img = render_background(rng, H, W)
    n_dis = int(rng.integers(p.num_distractors[0],
                             p.num_distractors[1] + 1))
    draw_distractors(rng, img, n_dis, p.distractor_size_range)
    background = img.copy()

    labels, sizes, ars, angles = _draw_objects(rng, p, H, W)
    n_clusters = int(rng.integers(p.num_clusters[0], p.num_clusters[1] + 1))
    side = np.sqrt(H * W)
    clusters = np.column_stack([
        rng.uniform(0.15, 0.85, n_clusters) * W,
        rng.uniform(0.15, 0.85, n_clusters) * H,
        rng.uniform(*p.cluster_sigma, n_clusters) * side
    ])

    inst = np.zeros((H, W), np.int16)
    full = np.zeros(len(labels) + 1, np.int64)  # drawn pixels per object
    visible = np.zeros(len(labels) + 1, np.int64)  # still visible
    placed = []  # (object id, label, x0, y0, w, h)
    filled = 0  # object pixels drawn so far
    # nominal area of the objects still to come after each one
    rest = np.append(np.cumsum((sizes**2)[::-1])[::-1][1:], 0)
    for label, size, ar, angle, todo in zip(labels, sizes, ars, angles,
                                            rest):
        patch, mask, poly = render_object(int(label), size * np.sqrt(ar),
                                          size / np.sqrt(ar), angle, rng,
                                          with_polygon=True)
        ph, pw = mask.shape
        area = int(mask.sum())
        small = size < p.small_size
        if ph > H or pw > W or (not small and filled + area + todo >
                                p.max_fill * H * W):
            continue  # leave room for the smaller objects still to come
        clustered = small and rng.random() < p.cluster_prob
        cx, cy, sigma = clusters[rng.integers(n_clusters)]
        oid = len(placed) + 1
        for _ in range(_MAX_TRIES):
            if clustered:
                x, y = rng.normal([cx, cy], sigma)
                x0 = int(np.clip(round(x - pw / 2), 0, W - pw))
                y0 = int(np.clip(round(y - ph / 2), 0, H - ph))
            else:
                x0 = int(rng.integers(0, W - pw + 1))
                y0 = int(rng.integers(0, H - ph + 1))
            roi = inst[y0:y0 + ph, x0:x0 + pw]
            under = np.where(mask, roi, 0)
            n_under = np.count_nonzero(under)
            if n_under:
                if not small and n_under > p.max_overlap_new * area:
                    continue
                left = visible - np.bincount(
                    under.ravel(), minlength=visible.size)
                left[0] = 0
                if np.any(left < (1 - p.max_occlusion) * full):
                    continue
                visible = left
            np.copyto(roi, oid, where=mask)
            np.copyto(
                img[y0:y0 + ph, x0:x0 + pw], patch, where=mask[..., None])
            full[oid] = visible[oid] = area
            filled += area
            placed.append((oid, int(label), x0, y0, pw, ph, poly))
            break

    anns = []
    for oid, label, x0, y0, pw, ph, poly in placed:
        if visible[oid] == full[oid]:  # unoccluded: the patch is tight
            rows, cols = np.array([0, ph - 1]), np.array([0, pw - 1])
            polys = [p + np.tile([x0, y0], len(p) // 2) for p in poly]
        else:
            sub = inst[y0:y0 + ph, x0:x0 + pw] == oid
            rows = np.flatnonzero(sub.any(1))
            cols = np.flatnonzero(sub.any(0))
            polys = visible_polygons(sub, (x0, y0))
        bx, by = float(x0 + cols[0]), float(y0 + rows[0])
        bw, bh = float(cols[-1] + 1 - cols[0]), float(rows[-1] + 1 - rows[0])
        anns.append(
            dict(
                bbox=[bx, by, bw, bh],
                area=bw * bh,
                category_id=label + 1,
                iscrowd=0,
                segmentation=_coco_polygons(polys, W, H)))
    return Scene(img, background, inst, anns, clusters)


def visible_polygons(mask: np.ndarray,
                     offset: Tuple[int, int] = (0, 0)) -> List[np.ndarray]:
    """Outer outlines of the pixels of ``mask``, as polygons.

    Traced on the mask upsampled twice (nearest), so that every outline
    runs a quarter pixel inside the pixel edges: each polygon rasterises
    (pixel centres inside, as ``pycocotools``) to its piece of ``mask``,
    holes filled.

    Args:
        mask (np.ndarray): bool ``[h, w]``.
        offset (tuple[int, int]): ``(x0, y0)`` added to the coordinates.

    Returns:
        list[np.ndarray]: float64 flat ``[2K]`` polygons, one per
        8-connected piece.
    """
    up = cv2.resize(mask.astype(np.uint8), None, fx=2, fy=2,
                    interpolation=cv2.INTER_NEAREST)
    contours, _ = cv2.findContours(up, cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    # fewer vertices, none moved by a quarter pixel: the same pixels
    contours = [cv2.approxPolyDP(c, 0.45, True) for c in contours]
    return [((c.reshape(-1, 2) + 0.5) / 2 + offset).reshape(-1)
            for c in contours]


def _coco_polygons(polys: List[np.ndarray], W: int, H: int) -> List[list]:
    """COCO ``segmentation``: polygons clipped to the ``W x H`` image,
    2 decimals, degenerate ones dropped."""
    out = []
    for p in polys:
        q = np.round(clip_polygon(p, (0, 0, W, H)), 2)
        if not is_degenerate(q):
            out.append(q.tolist())
    return out


def generate_image(rng_or_seed: SeedLike,
                   preset: PresetLike = 'tiny',
                   format_version: int = FORMAT_VERSION
                   ) -> Tuple[np.ndarray, List[dict]]:
    """Render one image.

    Args:
        rng_or_seed (int | SeedSequence | Generator): Randomness source,
            e.g. ``image_seed(seed, 'train', 3)``.
        preset (str | SyntheticPreset): Preset or its name.
            Defaults to 'tiny'.
        format_version (int): 1 (no ``segmentation``) or 2. Defaults to
            :data:`FORMAT_VERSION`.

    Returns:
        tuple: ``img`` uint8 BGR ``[H, W, 3]`` and ``anns``, a list of dicts
        with ``bbox`` (``[x, y, w, h]`` floats, tight to the visible
        pixels), ``area`` (``w * h``, the box area in every version),
        ``category_id`` (1..5), ``iscrowd`` (0) and, from version 2,
        ``segmentation`` (a list of flat polygons, see the module doc).
    """
    version = check_format_version(format_version)
    scene = render_scene(rng_or_seed, preset)
    if version == 1:
        return scene.img, [{k: v for k, v in a.items() if k != 'segmentation'}
                           for a in scene.anns]
    return scene.img, scene.anns
