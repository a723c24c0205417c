# Copyright (c) mmsniper contributors. All rights reserved.
"""FocusPixel labels of a chip from its boxes (AutoFocus spec section 5.1):
:func:`focus_pixel_labels`, the targets of
:class:`~mmsniper.models.seg_heads.FocusPixelHead` and the oracle's maps.

Shape shorthands: ``H, W`` the size of the label map (``stride`` chip pixels
per cell), ``N`` boxes of one chip.
"""
import math
from typing import Tuple

import torch
from torch import Tensor

#: Label values of a FocusPixel map.
FOCUS_NEG, FOCUS_POS, FOCUS_IGNORE = 0, 1, -1


def focus_pixel_labels(bboxes: Tensor,
                       featmap_size: Tuple[int, int],
                       stride: int = 16,
                       dc_low: float = 5.,
                       small_thresh: float = 64.,
                       dc_high: float = 90.,
                       round_boxes: bool = True) -> Tensor:
    """FocusPixel labels of one chip from its boxes (spec 5.1, ``gen_mask``).

    Every box, in the given order, paints the cells it touches:
    ``x`` from ``floor(x1 / stride)`` to ``min(ceil(x2 / stride), W - 1)``
    inclusive, and the same for ``y``. With ``a = sqrt(w * h)`` (chip
    pixels, no +1) the painted value is

    - ``1`` (FocusPixel) when ``dc_low < a < small_thresh``;
    - ``-1`` (don't care) when ``small_thresh <= a < dc_high`` or
      ``a <= dc_low``;
    - nothing when ``a >= dc_high``.

    Cells no box paints stay ``0``. A later box overwrites an earlier one.
    Boxes are first rounded (``round_boxes``) and clipped to
    ``[0, W * stride - 1] x [0, H * stride - 1]``, as the original does with
    ``[0, 511]`` for 512 px chips.

    Args:
        bboxes (Tensor): Boxes ``[x1, y1, x2, y2]`` in chip pixels, shape
            (N, 4).
        featmap_size (tuple[int, int]): ``(H, W)`` of the label map.
        stride (int): Chip pixels per cell. Defaults to 16.
        dc_low (float): Sizes ``<= dc_low`` are don't care. Defaults to 5.
        small_thresh (float): Sizes in ``(dc_low, small_thresh)`` are
            FocusPixels. Defaults to 64.
        dc_high (float): Sizes in ``[small_thresh, dc_high)`` are don't
            care; larger boxes paint nothing. Defaults to 90.
        round_boxes (bool): Round the boxes to integers first, as the
            original. Defaults to True.

    Returns:
        Tensor: int64 labels in {-1, 0, 1}, shape (H, W).

    Example:
        >>> boxes = torch.tensor([[0., 0., 20., 20.], [40., 0., 120., 70.]])
        >>> focus_pixel_labels(boxes, (4, 8))[:, :6].tolist()
        [[1, 1, -1, -1, -1, -1], [1, 1, -1, -1, -1, -1], [1, 1, -1, -1, -1, -1], [0, 0, -1, -1, -1, -1]]
    """  # noqa: E501
    h, w = int(featmap_size[0]), int(featmap_size[1])
    labels = torch.zeros((h, w), dtype=torch.long, device=bboxes.device)
    if bboxes.numel() == 0:
        return labels
    boxes = bboxes.detach().reshape(-1, 4).double().cpu()
    if round_boxes:
        boxes = torch.round(boxes)
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, w * stride - 1)
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, h * stride - 1)
    sizes = torch.sqrt(((boxes[:, 2] - boxes[:, 0]) *
                        (boxes[:, 3] - boxes[:, 1])).clamp(min=0))
    for (x1, y1, x2, y2), a in zip(boxes.tolist(), sizes.tolist()):
        if dc_low < a < small_thresh:
            value = FOCUS_POS
        elif a <= dc_low or small_thresh <= a < dc_high:
            value = FOCUS_IGNORE
        else:
            continue
        cx1 = int(math.floor(x1 / stride))
        cy1 = int(math.floor(y1 / stride))
        cx2 = min(int(math.ceil(x2 / stride)), w - 1)
        cy2 = min(int(math.ceil(y2 / stride)), h - 1)
        labels[cy1:cy2 + 1, cx1:cx2 + 1] = value
    return labels
