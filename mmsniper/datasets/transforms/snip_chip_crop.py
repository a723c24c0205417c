# Copyright (c) mmsniper contributors. All rights reserved.
"""Cut one SNIPER chip out of a loaded image: :class:`SnipChipCrop`."""
from typing import Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import autocast_box_type

from ...chips.crop_resize import crop_resize_np
from ...utils.checks import as_int
from .chip_masks import crop_chip_masks
from .chip_window import chip_window, pad_bottom_right

_INTERP = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
}
#: What SnipChipCrop does with the boxes the dataset flags ignore (crowd).
FLAGGED_BOX_MODES = ('drop', 'ignore')


@TRANSFORMS.register_module()
class SnipChipCrop(BaseTransform):
    """Crop a SNIPER chip from the image, rescale it by the chip's factor and
    pad it to the chip size; move the boxes into the chip and mark the
    invalid ones as ignored.

    The chip comes from :class:`~mmsniper.datasets.SniperDataset` (keys
    ``chip*`` below). The output image is the region ``chip`` (original
    pixels) of the input resized by ``chip_factor``, i.e. the window
    ``chip_scaled`` of the whole image resized by the factor, computed
    without resizing the whole image (one affine warp of the window,
    :func:`~mmsniper.chips.crop_resize.crop_resize_np`: the rule the
    test-time wrappers cut their chips and tiles with). It is
    zero-padded at the bottom/right to ``chip_size x chip_size``;
    ``img_shape`` is the unpadded content, as for mmdet's ``Pad``.

    Boxes are scaled, shifted into the chip and clipped to it; boxes that do
    not overlap the chip with a positive area are dropped, and so are (as
    the original, spec 1.6) boxes whose clipped width or height is under
    ``min_box_side`` chip pixels: they are neither trained on nor ignore
    regions. A kept box is *valid* when its index is in ``chip_valid_inds``
    (the boxes the chip engine assigned to this chip); every other kept box
    is *invalid* (out of the scale's valid range, assigned to another chip,
    cut by the chip border) and gets ``gt_ignore_flags = True``, so that
    ``PackDetInputs`` moves it to ``ignored_instances`` and
    :class:`~mmsniper.models.SniperMaxIoUAssigner` gives no label to the
    anchors and proposals on it (IoU > ``ignore_thr``).

    Boxes the dataset flags (``gt_ignore_flags`` from ``LoadAnnotations``:
    COCO ``iscrowd``, VOC ``difficult``) are dropped by default
    (``flagged_boxes='drop'``), as the original, which loads no crowd box.
    ``flagged_boxes='ignore'`` keeps them as ignore regions (invalid in
    every chip; mmdet's convention). Either way they never make chips.

    For the FocusPixel labels of AutoFocus, ``chip_focus_bboxes`` keeps
    every box overlapping the chip *before* the ``min_box_side`` filter, in
    annotation order (flagged boxes only with ``flagged_boxes='ignore'``):
    the original paints its mask from those boxes (spec 5.1), so a 6 px
    object stays a FocusPixel although the detector does not train on it.
    :class:`~mmsniper.datasets.transforms.PackChipInputs` packs it (with
    the other chip keys) for :class:`~mmsniper.models.FocusPixelHead`.

    Instance masks (``gt_masks``) are kept with their boxes: polygons
    (``LoadAnnotations(with_mask=True, poly2mask=False)``, the memory-light
    default) are mapped by the chip's affine map and clipped exactly to the
    chip, bitmaps cut at nearest interpolation; ignored instances get an
    empty mask, so they carry no mask loss (:mod:`.chip_masks`).

    Flips: place mmdet's ``RandomFlip`` *before* this transform. It flips
    the full image and the boxes; this transform then mirrors the chip
    window (``flip`` / ``flip_direction``), so the chip content is the
    mirror of the unflipped chip. A flip after this transform would move
    the padding to the left/top. Nothing geometric should follow it.

    This transform is deterministic (the chip is chosen by the dataset); it
    draws no random numbers.

    Required Keys:

    - img
    - chip (np.float32): ``[4]`` x1y1x2y2, original-image pixels.
    - chip_factor (float): Resize factor of the chip's scale.
    - chip_valid_inds (np.int64): Indices into ``gt_bboxes`` (as loaded by
      ``LoadAnnotations``) of the boxes this chip trains on.
    - chip_scaled (np.int32) (optional): The chip in resized-image pixels;
      defaults to ``round(chip * chip_factor)``.
    - chip_size (int) (optional): Pad side; the ``chip_size`` argument
      wins when given.
    - flip (bool) (optional)
    - flip_direction (str) (optional)
    - gt_bboxes (BaseBoxes[torch.float32]) (optional)
    - gt_bboxes_labels (np.int64) (optional)
    - gt_ignore_flags (bool) (optional)
    - gt_masks (PolygonMasks | BitmapMasks) (optional)
    - gt_seg_map (np.uint8) (optional)

    Modified Keys:

    - img
    - img_shape
    - scale_factor
    - chip (mirrored when the image was flipped)
    - gt_bboxes (optional)
    - gt_bboxes_labels (optional)
    - gt_ignore_flags (optional; created when absent)
    - gt_masks (optional)
    - gt_seg_map (optional)
    - homography_matrix (optional)

    Added Keys:

    - pad_shape
    - chip_scale_idx (int; -1 when absent)
    - chip_num_valid (int): valid boxes kept in the chip.
    - chip_focus_bboxes (np.float32): ``[M, 4]`` chip-pixel boxes for the
      FocusPixel labels (see above).

    Args:
        chip_size (int, optional): Side of the padded output. Defaults to
            None (``results['chip_size']``, else no padding).
        pad_val (int | float): Image padding value. Defaults to 0.
        seg_pad_val (int): Segmentation map padding value. Defaults to 255.
        interpolation (str): ``'bilinear'``, ``'nearest'`` or
            ``'bicubic'``. Defaults to ``'bilinear'`` (as mmdet's Resize).
        min_box_side (float): Boxes whose clipped width or height in the
            chip (chip pixels, ``x2 - x1``) is under this are dropped, valid
            or not. 0 keeps every box with a positive area. Defaults to 10
            (the original's ``filter_boxes(boxes, 10)`` for 512 px chips).
        flagged_boxes (str): ``'drop'`` (the original) or ``'ignore'``
            (ignore regions) for the boxes flagged by the dataset. Defaults
            to ``'drop'``.

    Raises:
        AssertionError: When the chip is not inside the image, is empty,
            the factor is not positive, or ``chip_valid_inds`` does not
            index the loaded boxes.
        ValueError: For a ``chip_size`` that is not a positive integer, a
            negative ``min_box_side`` or an unknown ``flagged_boxes``;
            ``gt_masks`` not aligned with the boxes.
        TypeError: ``gt_masks`` neither ``PolygonMasks`` nor
            ``BitmapMasks``.
    """

    def __init__(self,
                 chip_size: Optional[int] = None,
                 pad_val: float = 0,
                 seg_pad_val: int = 255,
                 interpolation: str = 'bilinear',
                 min_box_side: float = 10.,
                 flagged_boxes: str = 'drop') -> None:
        assert interpolation in _INTERP, \
            f'interpolation must be one of {list(_INTERP)}'
        self.chip_size = None if chip_size is None else as_int(
            'SnipChipCrop chip_size', chip_size, 1)
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val
        self.interpolation = interpolation
        if not min_box_side >= 0:
            raise ValueError('SnipChipCrop: min_box_side must be >= 0 (0 '
                             f'disables the filter), got {min_box_side!r}')
        if flagged_boxes not in FLAGGED_BOX_MODES:
            raise ValueError('SnipChipCrop: flagged_boxes must be one of '
                             f'{FLAGGED_BOX_MODES}, got {flagged_boxes!r}')
        self.min_box_side = min_box_side
        self.flagged_boxes = flagged_boxes

    # ------------------------------------------------------------------
    @autocast_box_type()
    def transform(self, results: dict) -> dict:
        """Crop, rescale and pad the chip; transform and flag the boxes.

        Args:
            results (dict): Result dict from the loading pipeline.

        Returns:
            dict: The chip's results.
        """
        chip, f, (ox, oy), (ch, cw) = chip_window(results)
        size = self.chip_size or results.get('chip_size', None)
        interp = _INTERP[self.interpolation]

        img = crop_resize_np(results['img'], f, (ox, oy), (ch, cw), interp)
        results['img'] = pad_bottom_right(img, size, self.pad_val)
        results['img_shape'] = (ch, cw)
        results['pad_shape'] = results['img'].shape[:2]
        results['scale_factor'] = (f, f)
        results['chip'] = chip.astype(np.float32)
        results.setdefault('chip_scale_idx', -1)

        homography = np.array([[f, 0, -ox], [0, f, -oy], [0, 0, 1]],
                              dtype=np.float32)
        if results.get('homography_matrix', None) is not None:
            results['homography_matrix'] = \
                homography @ results['homography_matrix']

        if results.get('gt_seg_map', None) is not None:
            seg = crop_resize_np(results['gt_seg_map'], f, (ox, oy),
                                 (ch, cw), cv2.INTER_NEAREST)
            results['gt_seg_map'] = pad_bottom_right(seg, size,
                                                     self.seg_pad_val)

        if results.get('gt_bboxes', None) is None:
            results['chip_num_valid'] = 0
            results['chip_focus_bboxes'] = np.zeros((0, 4), np.float32)
            return results
        bboxes = results['gt_bboxes']
        num = len(bboxes)
        valid = self._valid_mask(results, num)
        ignore = results.get('gt_ignore_flags', None)
        ignore = (np.zeros(num, dtype=bool)
                  if ignore is None else np.asarray(ignore, bool))

        bboxes.rescale_((f, f))
        bboxes.translate_((-ox, -oy))
        bboxes.clip_((ch, cw))
        inside, keep = self._keep_masks(bboxes.tensor.numpy(), ignore)

        results['chip_focus_bboxes'] = bboxes.tensor.numpy()[inside].astype(
            np.float32)
        results['gt_bboxes'] = bboxes[keep]
        results['gt_ignore_flags'] = (ignore | ~valid)[keep]
        if results.get('gt_bboxes_labels', None) is not None:
            results['gt_bboxes_labels'] = results['gt_bboxes_labels'][keep]
        if results.get('gt_masks', None) is not None:
            results['gt_masks'] = crop_chip_masks(
                results['gt_masks'], keep, keep & ~ignore & valid, f,
                (ox, oy), (ch, cw), size)
        results['chip_num_valid'] = int((valid & ~ignore & keep).sum())
        return results

    @staticmethod
    def _valid_mask(results: dict, num: int) -> np.ndarray:
        """bool ``[num]``: the box is in ``chip_valid_inds``."""
        valid_inds = np.asarray(
            results['chip_valid_inds'], dtype=np.int64).reshape(-1)
        assert valid_inds.size == 0 or (valid_inds.min() >= 0
                                        and valid_inds.max() < num), \
            (f'chip_valid_inds {valid_inds.tolist()} do not index the '
             f'{num} loaded boxes; SnipChipCrop must follow LoadAnnotations '
             'without box filtering in between')
        if 'instances' in results:
            assert len(results['instances']) == num, \
                (f'{num} boxes loaded for {len(results["instances"])} '
                 'instances; chip_valid_inds would not match')
        valid = np.zeros(num, dtype=bool)
        valid[valid_inds] = True
        return valid

    def _keep_masks(self, boxes: np.ndarray,
                    flagged: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Which chip boxes survive.

        Args:
            boxes (np.ndarray): ``[N, 4]`` boxes clipped to the chip, chip
                pixels.
            flagged (np.ndarray): bool ``[N]`` dataset ignore flags.

        Returns:
            tuple[np.ndarray, np.ndarray]: bool ``[N]`` ``inside`` (boxes
            for the FocusPixel labels: positive area, flagged ones only
            with ``flagged_boxes='ignore'``) and ``keep`` (boxes for the
            detector: ``inside`` and both sides ``>= min_box_side``).
        """
        w = boxes[:, 2] - boxes[:, 0]
        h = boxes[:, 3] - boxes[:, 1]
        inside = (w > 0) & (h > 0)
        if self.flagged_boxes == 'drop':
            inside &= ~flagged
        keep = inside & (w >= self.min_box_side) & (h >= self.min_box_side)
        return inside, keep

    def __repr__(self) -> str:
        repr_str = self.__class__.__name__
        repr_str += f'(chip_size={self.chip_size}, '
        repr_str += f'pad_val={self.pad_val}, '
        repr_str += f'seg_pad_val={self.seg_pad_val}, '
        repr_str += f"interpolation='{self.interpolation}', "
        repr_str += f'min_box_side={self.min_box_side}, '
        repr_str += f"flagged_boxes='{self.flagged_boxes}')"
        return repr_str
