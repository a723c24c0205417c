# Copyright (c) mmsniper contributors. All rights reserved.
"""Seeded generator of the synthetic multi-scale detection dataset.

Every image is a deterministic function of ``(seed, split, index)``: its
RNG is ``numpy.random.default_rng(SeedSequence([seed, crc32(split),
index]))``, so one image or one split can be regenerated alone, with the
same pixels and byte-equal annotations.

Output layout (COCO, ``file_name`` relative to the split folder, so
configs use ``data_prefix=dict(img='train/')``)::

    OUT/annotations/instances_{train,val,test}.json
    OUT/{train,val,test}/000000.jpg ...

A dataset is written into a temporary folder beside ``OUT`` and renamed at
the end, so an interrupted or failed run leaves ``OUT`` as it was.
"""
import json
import os
import os.path as osp
import shutil
import zlib
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from ...utils.io import atomic_write_dir, check_writable_dir
from .presets import SPLITS, SyntheticPreset, get_preset
from .render import (CLASS_NAMES, draw_distractors, render_background,
                     render_object)

GENERATOR = 'mmsniper.datasets.synthetic'
#: Bump when the rendering changes, so stale datasets are regenerated.
FORMAT_VERSION = 1
_MAX_TRIES = 12

SeedLike = Union[int, np.random.SeedSequence, np.random.Generator]
PresetLike = Union[str, SyntheticPreset]


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
            ``category_id`` (from 1) and ``iscrowd``.
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
    Boxes are computed from the visible pixels, so they are tight.

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
        patch, mask = render_object(int(label), size * np.sqrt(ar),
                                    size / np.sqrt(ar), angle, rng)
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
            placed.append((oid, int(label), x0, y0, pw, ph))
            break

    anns = []
    for oid, label, x0, y0, pw, ph in placed:
        if visible[oid] == full[oid]:  # unoccluded: the patch is tight
            rows, cols = np.array([0, ph - 1]), np.array([0, pw - 1])
        else:
            sub = inst[y0:y0 + ph, x0:x0 + pw] == oid
            rows = np.flatnonzero(sub.any(1))
            cols = np.flatnonzero(sub.any(0))
        bx, by = float(x0 + cols[0]), float(y0 + rows[0])
        bw, bh = float(cols[-1] + 1 - cols[0]), float(rows[-1] + 1 - rows[0])
        anns.append(
            dict(
                bbox=[bx, by, bw, bh],
                area=bw * bh,
                category_id=label + 1,
                iscrowd=0))
    return Scene(img, background, inst, anns, clusters)


def generate_image(rng_or_seed: SeedLike,
                   preset: PresetLike = 'tiny'
                   ) -> Tuple[np.ndarray, List[dict]]:
    """Render one image.

    Args:
        rng_or_seed (int | SeedSequence | Generator): Randomness source,
            e.g. ``image_seed(seed, 'train', 3)``.
        preset (str | SyntheticPreset): Preset or its name.
            Defaults to 'tiny'.

    Returns:
        tuple: ``img`` uint8 BGR ``[H, W, 3]`` and ``anns``, a list of dicts
        with ``bbox`` (``[x, y, w, h]`` floats, tight to the visible
        pixels), ``area`` (``w * h``), ``category_id`` (1..5) and
        ``iscrowd`` (0).
    """
    scene = render_scene(rng_or_seed, preset)
    return scene.img, scene.anns


def categories() -> List[dict]:
    """COCO ``categories`` of the synthetic dataset."""
    return [
        dict(id=i + 1, name=name, supercategory='shape')
        for i, name in enumerate(CLASS_NAMES)
    ]


def _info(p: SyntheticPreset, seed: int, split: str) -> dict:
    return dict(
        description='mmsniper synthetic multi-scale detection dataset',
        generator=GENERATOR,
        format_version=FORMAT_VERSION,
        preset=p.name,
        seed=seed,
        split=split,
        num_images=p.split_sizes[split],
        preset_params=p.to_dict())


def _render_to_file(args: tuple) -> Tuple[dict, List[dict]]:
    """Render image ``index`` of ``split`` and write it as JPEG."""
    img_dir, p, seed, split, index = args
    img, anns = generate_image(image_seed(seed, split, index), p)
    file_name = f'{index:06d}.jpg'
    path = osp.join(img_dir, file_name)
    if not cv2.imwrite(path, img,
                       [cv2.IMWRITE_JPEG_QUALITY, p.jpeg_quality]):
        raise OSError(f'could not write image {path!r}')
    image = dict(
        id=index + 1,
        file_name=file_name,
        width=img.shape[1],
        height=img.shape[0])
    return image, anns


def _write_split(root: str, p: SyntheticPreset, seed: int, split: str,
                 nproc: int, bar) -> None:
    img_dir = osp.join(root, split)
    os.makedirs(img_dir, exist_ok=True)
    tasks = [(img_dir, p, seed, split, i) for i in range(p.split_sizes[split])]
    if nproc > 1:
        import multiprocessing
        pool = multiprocessing.Pool(nproc)
        results = pool.imap(_render_to_file, tasks)
    else:
        pool, results = None, map(_render_to_file, tasks)
    images, annotations = [], []
    try:
        for image, anns in results:
            images.append(image)
            for ann in anns:
                annotations.append(
                    dict(id=len(annotations) + 1, image_id=image['id'], **ann))
            if bar is not None:
                bar.update()
    finally:
        if pool is not None:
            pool.terminate()
    coco = dict(
        info=_info(p, seed, split),
        images=images,
        annotations=annotations,
        categories=categories())
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    with open(ann_file(root, split), 'w') as f:
        json.dump(coco, f)


def ann_file(data_root: str, split: str) -> str:
    """Path of the annotation file of ``split``."""
    return osp.join(data_root, 'annotations', f'instances_{split}.json')


def _existing_splits(out_dir: str) -> Dict[str, dict]:
    """``{split: info}`` of the complete synthetic splits in ``out_dir``.

    Raises:
        ValueError: when ``out_dir`` holds anything else, so that a typo in
            ``--out`` never replaces an unrelated folder.
    """
    if not osp.exists(out_dir):
        return {}
    if not osp.isdir(out_dir):
        raise ValueError(f'output folder {out_dir!r} is a file')
    foreign = set(os.listdir(out_dir)) - {'annotations', *SPLITS}
    found = {}
    for split in SPLITS:
        path = ann_file(out_dir, split)
        if not osp.exists(path):
            continue
        try:
            with open(path) as f:
                coco = json.load(f)
            info = coco['info']
            ok = info.get('generator') == GENERATOR
        except (OSError, ValueError, KeyError, AttributeError):
            ok = False
        if not ok:
            foreign.add(osp.relpath(path, out_dir))
            continue
        img_dir = osp.join(out_dir, split)
        if all(
                osp.exists(osp.join(img_dir, im['file_name']))
                for im in coco['images']):
            found[split] = info
    if foreign:
        raise ValueError(
            f'output folder {out_dir!r} holds files that are not a '
            f'synthetic dataset ({", ".join(sorted(foreign)[:5])}); '
            'choose an empty or new folder')
    return found


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _same(info: dict, p: SyntheticPreset, seed: int, split: str) -> bool:
    return info == json.loads(json.dumps(_info(p, seed, split)))


def _carry_split(src: str, dst: str, split: str) -> None:
    """Hard-link (or copy) a finished split from ``src`` into ``dst``."""
    os.makedirs(osp.join(dst, 'annotations'), exist_ok=True)
    shutil.copy2(ann_file(src, split), ann_file(dst, split))
    os.makedirs(osp.join(dst, split))
    for name in os.listdir(osp.join(src, split)):
        a, b = osp.join(src, split, name), osp.join(dst, split, name)
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)


def generate_dataset(out_dir: str,
                     preset: PresetLike = 'tiny',
                     seed: Optional[int] = None,
                     splits: Optional[Sequence[str]] = None,
                     progress: bool = True,
                     force: bool = False,
                     nproc: int = 1) -> Dict[str, object]:
    """Write the synthetic dataset as COCO json plus JPEG images.

    Splits already in ``out_dir`` with the same preset and seed are reused
    (not regenerated) unless ``force``; splits of another preset or seed
    are dropped. Everything is written into a temporary folder beside
    ``out_dir`` that replaces it at the end.

    Args:
        out_dir (str): Dataset root; created if needed. Must be new, empty
            or a synthetic dataset.
        preset (str | SyntheticPreset): 'tiny', 'quickstart', 'bench' or a
            custom preset. Defaults to 'tiny'.
        seed (int, optional): Base seed. Defaults to the preset's seed (0).
        splits (Sequence[str], optional): Splits to generate. Defaults to
            all of the preset's splits.
        progress (bool): Show a progress bar. Defaults to True.
        force (bool): Regenerate even if a matching dataset exists.
            Defaults to False.
        nproc (int): Worker processes. Defaults to 1.

    Returns:
        dict: ``data_root`` (str), ``annotations`` and ``images`` (dicts
        mapping each split present to its json file / image folder).

    Raises:
        ValueError: unknown preset or split, or an output folder that
            cannot be written (the message names it).
    """
    p = get_preset(preset)
    seed = p.seed if seed is None else int(seed)
    splits = tuple(p.split_sizes) if splits is None else tuple(splits)
    bad = [s for s in splits if s not in p.split_sizes]
    if bad or not splits:
        raise ValueError(f'unknown split(s) {bad}; preset {p.name!r} has '
                         f'{", ".join(p.split_sizes)}')
    out_dir = osp.abspath(out_dir)
    try:
        check_writable_dir(osp.dirname(out_dir))
    except ValueError as e:
        raise ValueError(f'cannot write output folder {out_dir!r}: {e}') \
            from e
    existing = _existing_splits(out_dir)
    matching = [s for s, info in existing.items() if _same(info, p, seed, s)]
    todo = [s for s in splits if force or s not in matching]
    keep = [s for s in matching if s not in todo]
    if progress:
        for s in (s for s in splits if s not in todo):
            print(f'{s}: reusing {p.split_sizes[s]} images in {out_dir}')
    if todo:
        bar = None
        if progress:
            from mmengine.utils import ProgressBar
            total = sum(p.split_sizes[s] for s in todo)
            print(f'generating {"/".join(todo)} of preset {p.name!r} '
                  f'(seed {seed}, {total} images) into {out_dir}')
            bar = ProgressBar(total)
        with atomic_write_dir(out_dir) as tmp:
            os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0o700
            for s in keep:
                _carry_split(out_dir, tmp, s)
            for s in todo:
                _write_split(tmp, p, seed, s, nproc, bar)
        if progress:
            print()
    present = [s for s in SPLITS if s in set(keep) | set(todo)]
    return dict(
        data_root=out_dir,
        annotations={s: ann_file(out_dir, s)
                     for s in present},
        images={s: osp.join(out_dir, s)
                for s in present})
