# Copyright (c) mmsniper contributors. All rights reserved.
"""Built-in synthetic multi-scale detection dataset (numpy + cv2 only).

Example:
    >>> import tempfile
    >>> from mmsniper.datasets.synthetic import generate_dataset
    >>> out = tempfile.mkdtemp() + '/tiny'
    >>> paths = generate_dataset(out, preset='tiny', progress=False)
    >>> sorted(paths['annotations'])
    ['test', 'train', 'val']
    >>> img, anns = generate_image(image_seed(0, 'val', 0), 'tiny')
    >>> sorted(anns[0])
    ['area', 'bbox', 'category_id', 'iscrowd', 'segmentation']
    >>> _, old = generate_image(image_seed(0, 'val', 0), 'tiny',
    ...                         format_version=1)
    >>> sorted(old[0])
    ['area', 'bbox', 'category_id', 'iscrowd']
"""
from .generator import (FORMAT_VERSION, FORMAT_VERSIONS, Scene, ann_file,
                        categories, generate_dataset, generate_image,
                        image_seed, render_scene)
from .presets import PRESETS, SPLITS, SyntheticPreset, get_preset
from .render import CLASS_NAMES, CLASSES
from .scene import visible_polygons
from .scale_stats import dataset_stats, split_stats

__all__ = [
    'CLASSES', 'CLASS_NAMES', 'FORMAT_VERSION', 'FORMAT_VERSIONS', 'PRESETS',
    'SPLITS', 'Scene', 'SyntheticPreset', 'ann_file', 'categories',
    'dataset_stats', 'generate_dataset', 'generate_image', 'get_preset',
    'image_seed', 'render_scene', 'split_stats', 'visible_polygons'
]
