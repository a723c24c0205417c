# Copyright (c) mmsniper contributors. All rights reserved.
"""Named sizes of the synthetic multi-scale dataset.

======================  =======================  ============  ============
preset                  images train/val/test    image side    objects/img
======================  =======================  ============  ============
``tiny`` (tests)        8 / 4 / 4                1000-1300     10-40
``quickstart``          200 / 40 / 40            1000-1400     10-60
``bench``               300 / 100 / 100          1000-2000     10-60 (+10%
                                                               dense 60-80)
======================  =======================  ============  ============
"""
import dataclasses
from dataclasses import dataclass
from typing import Dict, Tuple, Union

SPLITS: Tuple[str, ...] = ('train', 'val', 'test')


@dataclass(frozen=True)
class SyntheticPreset:
    """Parameters of one synthetic dataset.

    Args:
        name (str): Preset name, recorded in the json ``info``.
        split_sizes (dict[str, int]): Number of images per split.
        img_size_range (tuple[int, int]): Width and height are each drawn
            uniformly in this range (pixels).
        num_objects (tuple[int, int]): Objects drawn per image (inclusive);
            a few may be dropped when they cannot be placed without
            hiding more than ``max_occlusion`` of another object.
        dense_prob (float): Probability that an image is dense instead,
            with ``dense_objects`` objects. Defaults to 0.
        dense_objects (tuple[int, int]): Objects in a dense image.
        obj_size_range (tuple[float, float]): ``sqrt(w * h)`` of objects is
            log-uniform in this range (pixels). Defaults to (8, 600).
        aspect_range (tuple[float, float]): ``w / h`` is log-uniform in this
            range. Defaults to (0.6, 1.7).
        max_angle (float): Shapes are rotated by up to this many degrees.
        small_size (float): Objects below this size are "small".
        cluster_prob (float): Share of small objects placed around the
            image's cluster centres (the rest are uniform).
        num_clusters (tuple[int, int]): Cluster centres per image.
        cluster_sigma (tuple[float, float]): Gaussian spread of a cluster,
            as a fraction of ``sqrt(H * W)``.
        max_occlusion (float): A placement is rejected when it would hide
            more than this share of an object already drawn.
        max_overlap_new (float): ... or when more than this share of a new
            object that is not small would lie on earlier objects.
        max_fill (float): An object that is not small is skipped when it,
            the objects drawn before it and the smaller ones still to come
            would cover more than this share of the image.
        num_distractors (tuple[int, int]): Distractors per image.
        distractor_size_range (tuple[float, float]): Their sizes.
        jpeg_quality (int): JPEG quality of the written images.
        seed (int): Default base seed.
    """
    name: str
    split_sizes: Dict[str, int]
    img_size_range: Tuple[int, int] = (1000, 2000)
    num_objects: Tuple[int, int] = (10, 60)
    dense_prob: float = 0.0
    dense_objects: Tuple[int, int] = (60, 80)
    obj_size_range: Tuple[float, float] = (8.0, 600.0)
    aspect_range: Tuple[float, float] = (0.6, 1.7)
    max_angle: float = 15.0
    small_size: float = 64.0
    cluster_prob: float = 0.85
    num_clusters: Tuple[int, int] = (1, 3)
    cluster_sigma: Tuple[float, float] = (0.04, 0.08)
    max_occlusion: float = 0.3
    max_overlap_new: float = 0.3
    max_fill: float = 0.6
    num_distractors: Tuple[int, int] = (30, 80)
    distractor_size_range: Tuple[float, float] = (8.0, 500.0)
    jpeg_quality: int = 92
    seed: int = 0

    def to_dict(self) -> dict:
        """JSON-friendly copy (tuples become lists), stored in ``info``."""
        return _jsonable(dataclasses.asdict(self))

    def replace(self, **kwargs) -> 'SyntheticPreset':
        """Copy with some fields changed."""
        return dataclasses.replace(self, **kwargs)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    return obj


PRESETS: Dict[str, SyntheticPreset] = {
    p.name: p
    for p in (
        SyntheticPreset(
            name='tiny',
            split_sizes=dict(train=8, val=4, test=4),
            img_size_range=(1000, 1300),
            num_objects=(10, 40)),
        SyntheticPreset(
            name='quickstart',
            split_sizes=dict(train=200, val=40, test=40),
            img_size_range=(1000, 1400),
            num_objects=(10, 60),
            dense_prob=0.05),
        SyntheticPreset(
            name='bench',
            split_sizes=dict(train=300, val=100, test=100),
            img_size_range=(1000, 2000),
            num_objects=(10, 60),
            dense_prob=0.1),
    )
}


def get_preset(preset: Union[str, SyntheticPreset]) -> SyntheticPreset:
    """Look a preset up by name (instances pass through).

    Raises:
        ValueError: naming the unknown preset and listing the valid ones.
    """
    if isinstance(preset, SyntheticPreset):
        return preset
    if preset not in PRESETS:
        raise ValueError(f'unknown synthetic preset {preset!r}; valid '
                         f'presets: {", ".join(PRESETS)}')
    return PRESETS[preset]
