# Copyright (c) mmsniper contributors. All rights reserved.
"""Writer of the synthetic multi-scale detection dataset.

Images are rendered by :mod:`.scene` (a deterministic function of
``(seed, split, index)``), so one image or one split can be regenerated
alone, with the same pixels and byte-equal annotations.

Output layout (COCO, ``file_name`` relative to the split folder, so
configs use ``data_prefix=dict(img='train/')``)::

    OUT/annotations/instances_{train,val,test}.json
    OUT/{train,val,test}/000000.jpg ...

The json ``info`` records the ``format_version`` of the annotations
(:data:`~.scene.FORMAT_VERSIONS`: 1 boxes, 2 boxes and polygons). A split
on disk is reused only when its preset, seed and version match; old
version-1 files stay loadable by box-only configs (mmdet's
``CocoDataset`` needs no ``segmentation``), mask configs need version 2
(the pre-flight check names the file otherwise).

A dataset is written into a temporary folder beside ``OUT`` and renamed at
the end, so an interrupted or failed run leaves ``OUT`` as it was.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

import cv2

from ...utils.io import atomic_write_dir, check_writable_dir
from .presets import SPLITS, SyntheticPreset, get_preset
from .render import CLASS_NAMES
from .scene import (FORMAT_VERSION, FORMAT_VERSIONS, PresetLike, Scene,
                    SeedLike, check_format_version, generate_image,
                    image_seed, render_scene)

GENERATOR = 'mmsniper.datasets.synthetic'
__all__ = [
    'FORMAT_VERSION', 'FORMAT_VERSIONS', 'GENERATOR', 'PresetLike', 'Scene',
    'SeedLike', 'ann_file', 'categories', 'generate_dataset',
    'generate_image', 'image_seed', 'render_scene'
]


def categories() -> List[dict]:
    """COCO ``categories`` of the synthetic dataset."""
    return [
        dict(id=i + 1, name=name, supercategory='shape')
        for i, name in enumerate(CLASS_NAMES)
    ]


def _info(p: SyntheticPreset, seed: int, split: str,
          version: int = FORMAT_VERSION) -> dict:
    return dict(
        description='mmsniper synthetic multi-scale detection dataset',
        generator=GENERATOR,
        format_version=version,
        preset=p.name,
        seed=seed,
        split=split,
        num_images=p.split_sizes[split],
        preset_params=p.to_dict())


def _render_to_file(args: tuple) -> Tuple[dict, List[dict]]:
    """Render image ``index`` of ``split`` and write it as JPEG."""
    img_dir, p, seed, split, index, version = args
    img, anns = generate_image(image_seed(seed, split, index), p, version)
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
                 nproc: int, bar, version: int) -> None:
    img_dir = osp.join(root, split)
    os.makedirs(img_dir, exist_ok=True)
    tasks = [(img_dir, p, seed, split, i, version)
             for i in range(p.split_sizes[split])]
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
        info=_info(p, seed, split, version),
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


def _same(info: dict, p: SyntheticPreset, seed: int, split: str,
          version: int) -> bool:
    return info == json.loads(json.dumps(_info(p, seed, split, version)))


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
                     nproc: int = 1,
                     format_version: int = FORMAT_VERSION
                     ) -> Dict[str, object]:
    """Write the synthetic dataset as COCO json plus JPEG images.

    Splits already in ``out_dir`` with the same preset, seed and
    ``format_version`` are reused (not regenerated) unless ``force``;
    splits of another preset, seed or version are dropped (a version-1
    split asked for as version 2 is regenerated: same images, plus
    polygons). Everything is written into a temporary folder beside
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
        format_version (int): Annotation format
            (:data:`~.scene.FORMAT_VERSIONS`): 1 boxes only (the files of
            mmsniper before polygons, byte-equal), 2 with ``segmentation``
            polygons. Defaults to :data:`~.scene.FORMAT_VERSION` (2).

    Returns:
        dict: ``data_root`` (str), ``annotations`` and ``images`` (dicts
        mapping each split present to its json file / image folder).

    Raises:
        ValueError: unknown preset, split or format version, or an output
            folder that cannot be written (the message names it).
    """
    p = get_preset(preset)
    version = check_format_version(format_version)
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
    matching = [
        s for s, info in existing.items() if _same(info, p, seed, s, version)
    ]
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
                _write_split(tmp, p, seed, s, nproc, bar, version)
        if progress:
            print()
    present = [s for s in SPLITS if s in set(keep) | set(todo)]
    return dict(
        data_root=out_dir,
        annotations={s: ann_file(out_dir, s)
                     for s in present},
        images={s: osp.join(out_dir, s)
                for s in present})
