# Copyright (c) mmsniper contributors. All rights reserved.
"""mmdet's ``PackDetInputs`` with the meta keys of a SNIPER chip."""
from typing import Sequence

from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import TRANSFORMS

#: What the chip's consumers read from its ``metainfo``: mmdet's usual keys,
#: the chip window (``chip``, ``chip_factor``, ``chip_scale_idx``: chip
#: browsing, the SNIPER visualizer, the rebuild hook's checks) and every box
#: of the chip before the size filter (``chip_focus_bboxes``: FocusPixel
#: labels, spec 5.1).
CHIP_META_KEYS = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                  'scale_factor', 'flip', 'flip_direction', 'chip',
                  'chip_scale_idx', 'chip_factor', 'chip_focus_bboxes')


@TRANSFORMS.register_module()
class PackChipInputs(PackDetInputs):
    """Pack a SNIPER chip (the output of
    :class:`~mmsniper.datasets.transforms.SnipChipCrop`) for the detector.

    :class:`~mmdet.datasets.transforms.PackDetInputs` with
    :data:`CHIP_META_KEYS` as its default ``meta_keys``, so that the chip
    keys are written once for every SNIPER config. Valid boxes go to
    ``gt_instances``, the boxes ``SnipChipCrop`` flags ignored to
    ``ignored_instances`` (mmdet's rule for ``gt_ignore_flags``).

    Required Keys: those of ``PackDetInputs``, and the meta keys present in
    the results (a missing meta key is skipped, as in ``PackDetInputs``).

    Added Keys:

    - inputs (torch.Tensor): The chip, ``(3, S, S)``.
    - data_samples (DetDataSample): Instances and ``metainfo``.

    Args:
        meta_keys (Sequence[str]): Keys of ``metainfo``. Defaults to
            :data:`CHIP_META_KEYS`.
        extra_meta_keys (Sequence[str]): Added to ``meta_keys`` (a config
            that needs one more key need not restate the others).
            Defaults to ().
    """

    def __init__(self,
                 meta_keys: Sequence[str] = CHIP_META_KEYS,
                 extra_meta_keys: Sequence[str] = ()) -> None:
        keys = tuple(meta_keys)
        super().__init__(
            meta_keys=keys + tuple(k for k in extra_meta_keys
                                   if k not in keys))

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
