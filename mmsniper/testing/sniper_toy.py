# Copyright (c) mmsniper contributors. All rights reserved.
"""Hand-made COCO datasets for the SNIPER tests (a few small images with
boxes placed to hit every rule: valid, out of range, crowd, none)."""
import json
import os
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import numpy as np

TOY_CLASSES = ('a', 'b')
#: ``chip_cfg`` of ``SniperDataset`` for the synthetic ``tiny`` preset in
#: tests (its images are 300-700 px).
SYN_CHIP_CFG = dict(
    scales=(1.0, 0.5, 256),
    valid_ranges=((-1, 64), (40, 160), (120, -1)),
    chip_size=256,
    stride=(28, 31))
#: ``chip_cfg`` of the toy images: scale 2 for boxes under 24 px, scale 1
#: (the whole image) for boxes from 40 px.
TOY_CHIP_CFG = dict(
    scales=(2.0, 1.0), valid_ranges=((-1, 24), (40, -1)), chip_size=64,
    stride=16)
#: Four 160 x 120 toy images (:func:`write_toy_coco` specs).
TOY_IMAGES = [
    # A: one box per scale, one box out of range at both scales
    dict(w=160, h=120, boxes=[[10, 10, 26, 22], [60, 40, 110, 100],
                              [120, 10, 150, 40]], labels=[0, 1, 0]),
    dict(w=160, h=120, boxes=[]),  # B: no box
    dict(w=160, h=120, boxes=[[20, 20, 80, 80]], crowd=[True]),  # C: crowd
    dict(w=160, h=120, boxes=[[30, 30, 60, 60]]),  # D: out of range
]


def proposal_cluster(x0: float, y0: float, n: int = 30,
                     seed: int = 0) -> np.ndarray:
    """``n`` float32 ``[n, 5]`` proposals of about 10 px inside
    ``[x0, x0 + 30]^2``."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 20, (n, 2)) + [x0, y0]
    wh = rng.uniform(8, 10, (n, 2))
    return np.concatenate([xy, xy + wh, rng.uniform(0, 1, (n, 1))],
                          1).astype(np.float32)


def write_toy_coco(root: str,
                   images: Sequence[dict],
                   ann_name: str = 'toy.json',
                   img_dir: str = 'images',
                   seed: int = 0) -> str:
    """Write a COCO json and its images.

    Args:
        root (str): Dataset root.
        images (Sequence[dict]): One dict per image: ``w``, ``h``, ``boxes``
            (list of ``[x1, y1, x2, y2]``), optional ``labels`` (0 or 1),
            ``crowd`` (list of bools), ``json_wh`` (a size written to the
            json instead of the real one).
        ann_name (str): Json file name under ``root/annotations``.
        img_dir (str): Image folder under ``root``.
        seed (int): Image noise seed.

    Returns:
        str: The json path.
    """
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    os.makedirs(osp.join(root, img_dir), exist_ok=True)
    out_imgs: List[dict] = []
    anns: List[dict] = []
    for i, spec in enumerate(images):
        w, h = spec['w'], spec['h']
        img = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
        boxes = np.asarray(spec.get('boxes', []), np.float64).reshape(-1, 4)
        labels = spec.get('labels', [0] * len(boxes))
        crowd = spec.get('crowd', [False] * len(boxes))
        for k, b in enumerate(boxes):
            x1, y1, x2, y2 = (int(v) for v in b)
            img[max(y1, 0):y2, max(x1, 0):x2] = (200, 80 + 100 * labels[k],
                                                 50)
            anns.append(
                dict(
                    id=len(anns) + 1,
                    image_id=i + 1,
                    category_id=int(labels[k]) + 1,
                    bbox=[b[0], b[1], b[2] - b[0], b[3] - b[1]],
                    area=float((b[2] - b[0]) * (b[3] - b[1])),
                    iscrowd=int(crowd[k])))
        name = f'{i:03d}.png'
        cv2.imwrite(osp.join(root, img_dir, name), img)
        jw, jh = spec.get('json_wh', (w, h))
        out_imgs.append(dict(id=i + 1, file_name=name, width=jw, height=jh))
    path = osp.join(root, 'annotations', ann_name)
    with open(path, 'w') as f:
        json.dump(
            dict(
                images=out_imgs,
                annotations=anns,
                categories=[
                    dict(id=k + 1, name=n) for k, n in enumerate(TOY_CLASSES)
                ]), f)
    return path


def toy_dataset_cfg(root: str,
                    pipeline: Optional[list] = None,
                    ann_name: str = 'toy.json',
                    img_dir: str = 'images') -> dict:
    """A CocoDataset config over :func:`write_toy_coco`'s output."""
    return dict(
        type='CocoDataset',
        data_root=root,
        ann_file=f'annotations/{ann_name}',
        data_prefix=dict(img=f'{img_dir}/'),
        metainfo=dict(classes=TOY_CLASSES),
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=pipeline if pipeline is not None else [],
        test_mode=False)


def chip_pipeline(chip_size: Optional[int] = None,
                  flip: bool = False) -> list:
    """Loading + (flip) + SnipChipCrop + PackDetInputs with chip meta."""
    pipe = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations', with_bbox=True)
    ]
    if flip:
        pipe.append(dict(type='RandomFlip', prob=0.5))
    pipe += [
        dict(type='SnipChipCrop', chip_size=chip_size),
        dict(
            type='PackDetInputs',
            meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                       'scale_factor', 'flip', 'flip_direction', 'chip',
                       'chip_scale_idx', 'chip_factor', 'chip_focus_bboxes'))
    ]
    return pipe


def toy_sniper_dataloader(root: str, chip_cfg: dict,
                          flip: bool = False) -> dict:
    """A training dataloader config of 2-chip epochs on the toy COCO set
    (``SniperDataset`` over :func:`toy_dataset_cfg`, batches of 2)."""
    return dict(
        batch_size=2,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True),
        dataset=dict(
            type='SniperDataset',
            chip_cfg=chip_cfg,
            epoch_length=2,
            dataset=toy_dataset_cfg(root, chip_pipeline(flip=flip))),
        collate_fn=dict(type='pseudo_collate'))
