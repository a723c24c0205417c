# Copyright (c) mmsniper contributors. All rights reserved.
"""``LoadImageFromFile`` that maps ``.npy`` images instead of reading them."""
from typing import Optional

import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmdet.registry import TRANSFORMS

from ...fileio.mapped_image import is_mapped_path, map_image


@TRANSFORMS.register_module()
class LoadMappedImage(LoadImageFromFile):
    """Load an image as mmcv's ``LoadImageFromFile`` does, except that a
    ``.npy`` file (``tools/misc/map_image.py``) is memory-mapped, not read.

    For huge scenes at test time: the multi-scale wrappers read the image a
    window at a time (:func:`~mmsniper.chips.crop_resize.crop_resize_tensor`)
    and drop the pages they have read
    (:func:`~mmsniper.fileio.mapped_image.release_pages`), so the process
    never holds the whole decoded image. Put it first in the
    ``tta_pipeline``, with ``PackImageView`` last (which packs the mapped
    array without a copy); any other file is decoded as by
    ``LoadImageFromFile``, with the same arguments.

    A mapped image must be a local file holding ``(H, W, 3)`` uint8 in BGR
    order for ``color_type='color'`` (``(H, W)`` or ``(H, W, 1)`` for
    ``'grayscale'``); ``to_float32=True`` makes an in-memory float copy
    (the whole image: avoid it for huge scenes). mmdet's ``DetInferencer``
    looks for ``LoadImageFromFile`` by name and does not take this
    transform; use ``inference_detector`` or ``tools/test.py``.

    Required Keys: img_path.

    Modified Keys: img, img_shape, ori_shape.
    """

    def transform(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        if not is_mapped_path(path):
            return super().transform(results)
        backend = (self.backend_args or {}).get('backend', 'local')
        if backend != 'local':
            raise ValueError(f'LoadMappedImage: {path} can only be mapped '
                             f'from a local file, not backend {backend!r}')
        try:
            img = map_image(path)
        except (OSError, ValueError):
            if self.ignore_empty:
                return None
            raise
        if self.color_type not in ('color', 'grayscale', 'unchanged'):
            raise ValueError(f'LoadMappedImage: color_type '
                             f'{self.color_type!r} cannot be mapped; use '
                             "'color', 'grayscale' or 'unchanged'")
        want = dict(color=3, grayscale=1).get(self.color_type, img.shape[2])
        if img.shape[2] != want:
            raise ValueError(
                f'LoadMappedImage: {path} holds {img.shape[2]} channel(s), '
                f'color_type={self.color_type!r} needs {want} (a mapped '
                'image is used as saved: save it with that many channels)')
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results
