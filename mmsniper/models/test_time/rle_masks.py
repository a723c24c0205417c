# Copyright (c) mmsniper contributors. All rights reserved.
"""Instance masks kept as COCO RLE: :class:`RLEMasks`.

``pred_instances.masks`` of the test-time wrappers. It is a sequence of
COCO RLE dicts (``{'size': [H, W], 'counts': bytes}``), so mmdet's
``CocoMetric`` (which takes non-tensor masks as they are) and
:class:`~mmsniper.evaluation.DumpCocoJson` write them without decoding,
and it survives the ``InstanceData`` operations (indexing with a boolean
or index tensor, ``cat``, ``to``). For consumers that expect mmdet's dense
masks it offers :meth:`RLEMasks.numpy`, a lazy sequence that decodes one
``(H, W)`` uint8 mask at a time: mmdet's ``DumpDetResults`` (``--out
*.pkl``) re-encodes it mask by mask, never holding more than one dense
mask (where mmdet's own Mask R-CNN output holds all of them); mmdet's
``DetLocalVisualizer`` (``--show-dir``) gets a dense copy from
:meth:`RLEMasks.astype`.
"""
from typing import Iterator, List, Sequence, Tuple, Union

import numpy as np
import pycocotools.mask as mask_util


class _Decoded:
    """Lazy dense view of :class:`RLEMasks`: ``len``, ``[i]`` and
    iteration give ``(H, W)`` uint8 arrays, decoded on demand."""

    def __init__(self, rles: Sequence[dict]) -> None:
        self._rles = rles

    def __len__(self) -> int:
        return len(self._rles)

    def __getitem__(self, i: int) -> np.ndarray:
        return mask_util.decode(self._rles[i])

    def __iter__(self) -> Iterator[np.ndarray]:
        for rle in self._rles:
            yield mask_util.decode(rle)


class RLEMasks:
    """A sequence of COCO RLE instance masks of one ``(H, W)`` image.

    Args:
        rles (Sequence[dict]): The RLE dicts (``size`` ``[H, W]``).
        img_shape (tuple[int, int]): ``(H, W)``; checked against every
            RLE's ``size``.

    Raises:
        ValueError: An RLE whose ``size`` is not ``img_shape``.

    Examples:
        >>> import pycocotools.mask as mask_util
        >>> m = np.zeros((4, 5), np.uint8, order='F'); m[1:3, 2:4] = 1
        >>> masks = RLEMasks([mask_util.encode(m)], (4, 5))
        >>> masks.areas().tolist(), masks.numpy()[0].sum()
        ([4], 4)
    """

    def __init__(self, rles: Sequence[dict],
                 img_shape: Tuple[int, int]) -> None:
        self.img_shape = (int(img_shape[0]), int(img_shape[1]))
        self.rles: List[dict] = list(rles)
        for k, rle in enumerate(self.rles):
            if list(rle.get('size', ())) != list(self.img_shape):
                raise ValueError(
                    f'RLEMasks: mask {k} has size {rle.get("size")}, the '
                    f'image is {list(self.img_shape)} (H, W)')

    def __len__(self) -> int:
        return len(self.rles)

    def __iter__(self) -> Iterator[dict]:
        return iter(self.rles)

    def __getitem__(self, item: Union[int, slice]):
        """An RLE dict (int), or an :class:`RLEMasks` (slice: what
        ``InstanceData`` indexing asks for)."""
        if isinstance(item, slice):
            return RLEMasks(self.rles[item], self.img_shape)
        return self.rles[item]

    def __repr__(self) -> str:
        h, w = self.img_shape
        return f'RLEMasks(num={len(self)}, size={h}x{w})'

    @staticmethod
    def cat(parts: Sequence['RLEMasks']) -> 'RLEMasks':
        """Concatenate masks of the same image (``InstanceData.cat`` and
        indexing use it)."""
        if not parts:
            raise ValueError('RLEMasks.cat needs at least one RLEMasks')
        rles = [r for p in parts for r in p.rles]
        return RLEMasks(rles, parts[0].img_shape)

    def to(self, *args, **kwargs) -> 'RLEMasks':
        """Host data: unchanged by ``InstanceData.to(device)``."""
        return self

    def areas(self) -> np.ndarray:
        """``(N, )`` foreground pixels of each mask."""
        if not self.rles:
            return np.zeros((0, ), np.int64)
        return mask_util.area(self.rles).astype(np.int64)

    def astype(self, dtype) -> np.ndarray:
        """A dense ``(N, H, W)`` copy (what mmdet's ``DetLocalVisualizer``
        asks for: ``masks.astype(bool)``); N image-sized arrays, for
        drawing only."""
        h, w = self.img_shape
        if not self.rles:
            return np.zeros((0, h, w), dtype)
        return mask_util.decode(self.rles).transpose(2, 0, 1).astype(dtype)

    def numpy(self) -> _Decoded:
        """The masks as ``(H, W)`` uint8 arrays, decoded one at a time."""
        return _Decoded(self.rles)
