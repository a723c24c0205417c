# Copyright (c) mmsniper contributors. All rights reserved.
"""mmdet's ``PackDetInputs`` without the copy of the image."""
import numpy as np
import torch
from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackImageView(PackDetInputs):
    """Pack an original test image for a test-time wrapper without copying
    its pixels.

    :class:`~mmdet.datasets.transforms.PackDetInputs` makes the decoded
    ``(H, W, C)`` array channel-first with a copy (``permute(2, 0, 1)
    .contiguous()``), so that for a moment the image is held twice: 1.2 GB
    extra at 200 Mpix, the largest part of what a huge image costs the
    multi-scale wrappers, which read it a window at a time anyway. Here
    ``inputs`` is a ``(C, H, W)`` *view* of the decoded array
    (``torch.from_numpy(img).permute(2, 0, 1)``, not contiguous): the same
    values and shape as ``PackDetInputs`` gives, and no copy.

    For the wrappers' ``tta_pipeline`` (their chips are cut from windows of
    the view on the model's device, :mod:`mmsniper.chips.crop_resize`).
    A detector called on the packed tensor directly works as well (mmdet's
    ``DetDataPreprocessor`` stacks the batch into new memory), so the
    transform is not limited to the wrappers; the arguments and the packed
    ``data_samples`` are those of ``PackDetInputs``.

    Required Keys: those of ``PackDetInputs``.

    Added Keys:

    - inputs (torch.Tensor): ``(C, H, W)``, sharing memory with
      ``results['img']``.
    - data_samples (DetDataSample): As ``PackDetInputs``.
    """

    def transform(self, results: dict) -> dict:
        img = results.get('img')
        if img is None:
            return super().transform(results)
        rest = {k: v for k, v in results.items() if k != 'img'}
        packed = super().transform(rest)
        if not isinstance(img, np.ndarray):
            raise TypeError(f'{type(self).__name__}: results["img"] must be '
                            f'a numpy array, got {type(img).__name__} '
                            f'(image {results.get("img_path")})')
        if img.ndim < 3:
            img = img[..., None]
        if not img.flags.writeable:
            # torch.from_numpy warns on read-only arrays; a copy is what
            # PackDetInputs would have made anyway
            img = img.copy()
        packed['inputs'] = torch.from_numpy(img).permute(2, 0, 1)
        return packed
