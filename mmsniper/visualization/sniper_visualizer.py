# Copyright (c) mmsniper contributors. All rights reserved.
"""Drawing SNIPER training chips: :class:`SniperLocalVisualizer`."""
import os.path as osp
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch
from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import BaseBoxes
from mmdet.visualization import DetLocalVisualizer

#: Metainfo key of a chip sample (x1y1x2y2 in original-image pixels).
CHIP_KEY = 'chip'


def chip_sample_name(name: str, metainfo: dict) -> str:
    """The picture name of a chip sample: ``name`` (an image file name)
    with the chip's scale index and top-left corner (original pixels)
    before the extension, e.g. ``000003_s1_x256_y0.jpg``.

    Args:
        name (str): The image's name or output path.
        metainfo (dict): The sample's metainfo with ``chip`` and
            ``chip_scale_idx`` (as SniperDataset's samples packed with the
            chip meta keys).

    Returns:
        str: ``name`` itself when ``metainfo`` has no ``chip``.
    """
    if metainfo.get(CHIP_KEY, None) is None:
        return name
    x1, y1 = (int(round(float(v))) for v in np.asarray(
        metainfo[CHIP_KEY], np.float64).reshape(-1)[:2])
    stem, ext = osp.splitext(name)
    scale = metainfo.get('chip_scale_idx', None)
    tag = '' if scale is None else f'_s{int(scale)}'
    return f'{stem}{tag}_x{x1}_y{y1}{ext}'


def _add_suffix(name: str, suffix: str) -> str:
    stem, ext = osp.splitext(name)
    return f'{stem}{suffix}{ext}'


def _to_numpy(bboxes: Union[BaseBoxes, torch.Tensor, np.ndarray]
              ) -> np.ndarray:
    if isinstance(bboxes, BaseBoxes):
        bboxes = bboxes.tensor
    if isinstance(bboxes, torch.Tensor):
        bboxes = bboxes.detach().cpu().numpy()
    return np.asarray(bboxes, np.float32).reshape(-1, 4)


@VISUALIZERS.register_module()
class SniperLocalVisualizer(DetLocalVisualizer):
    """mmdet's ``DetLocalVisualizer`` for SNIPER chip samples.

    For a sample of :class:`~mmsniper.datasets.SniperDataset` (metainfo
    ``chip``, i.e. the chip meta keys packed by ``PackChipInputs``):

    - the picture is named after the image and the chip
      (:func:`chip_sample_name`); a name this visualizer has already
      written gets ``_2``, ``_3``, ... (an epoch may repeat a chip), so
      mmdet's ``tools/analysis_tools/browse_dataset.py`` writes one picture
      per sample instead of one per image;
    - the ground truth panel shows the boxes the chip trains on
      (``gt_instances``, solid, coloured per class as mmdet draws them) and
      the ignored ones (``ignored_instances``: out of the scale's range,
      assigned to another chip or cut by the chip; dashed, in
      ``ignored_color``), with a caption naming the chip and the two
      styles.

    Other samples are drawn exactly as ``DetLocalVisualizer`` draws them.

    Args:
        ignored_color (tuple[int]): RGB edge colour of ignored boxes.
            Defaults to (255, 255, 255).
        ignored_line_style (str): Matplotlib line style of ignored boxes.
            Defaults to ``'--'``.
        draw_caption (bool): Caption chip samples. Defaults to True.
        Other args: as ``DetLocalVisualizer``.

    Examples:
        >>> # a config's visualizer for mmdet's browse_dataset.py
        >>> visualizer = dict(type='SniperLocalVisualizer',
        ...                   vis_backends=[dict(type='LocalVisBackend')],
        ...                   name='visualizer')
    """

    def __init__(self,
                 name: str = 'visualizer',
                 ignored_color: Tuple[int, int, int] = (255, 255, 255),
                 ignored_line_style: str = '--',
                 draw_caption: bool = True,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.ignored_color = tuple(ignored_color)
        self.ignored_line_style = ignored_line_style
        self.draw_caption = draw_caption
        self._names: Dict[str, int] = {}
        self._pending: Optional[Tuple[np.ndarray, str]] = None

    def _suffix(self, key: str) -> str:
        """``''`` at the first use of ``key`` by this visualizer, then
        ``'_2'``, ``'_3'``, ..."""
        count = self._names.get(key, 0) + 1
        self._names[key] = count
        return '' if count == 1 else f'_{count}'

    @staticmethod
    def chip_caption(metainfo: dict) -> str:
        """A short line naming the chip's scale and the ignored style,
        e.g. ``s1 x0.75 | dashed: ignored``."""
        scale = metainfo.get('chip_scale_idx', '?')
        factor = metainfo.get('chip_factor', None)
        at = '' if factor is None else f' x{float(factor):.3g}'
        return f's{scale}{at} | dashed: ignored'

    def draw_ignored(self, image: np.ndarray, bboxes: np.ndarray,
                     caption: str = '') -> np.ndarray:
        """The RGB ``image`` with ``bboxes`` ``[N, 4]`` drawn dashed in
        ``ignored_color`` and the ``caption`` at the top left."""
        self.set_image(image)
        h, w = image.shape[:2]
        bboxes = np.asarray(bboxes, np.float32).reshape(-1, 4).copy()
        bboxes[:, 0::2] = bboxes[:, 0::2].clip(0, w - 1)  # cut by the chip
        bboxes[:, 1::2] = bboxes[:, 1::2].clip(0, h - 1)
        if len(bboxes):
            self.draw_bboxes(
                bboxes,
                edge_colors=[self.ignored_color],
                line_styles=self.ignored_line_style,
                line_widths=max(1, self.line_width - 1),
                alpha=self.alpha)
        if caption:
            self.draw_texts(
                caption,
                np.array([2, 2]),
                colors=[self.ignored_color],
                # about 0.7 font sizes per character: fit the chip width
                font_sizes=int(max(5, min(10, w / (0.75 * len(caption))))),
                vertical_alignments='top',
                bboxes=[dict(facecolor='black', alpha=0.6, pad=0.5,
                             edgecolor='none')])
        return self.get_image()

    def _draw_instances(self, image: np.ndarray, instances, classes,
                        palette) -> np.ndarray:
        # DetLocalVisualizer draws the gt_instances first: their panel gets
        # the ignored boxes (under the trained ones) and the caption
        pending, self._pending = self._pending, None
        if pending is not None:
            image = self.draw_ignored(image, *pending)
        return super()._draw_instances(image, instances, classes, palette)

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[DetDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       pred_score_thr: float = 0.3,
                       step: int = 0) -> None:
        """As ``DetLocalVisualizer.add_datasample``; chip samples get their
        own name and ``out_file`` and the ignored boxes (see the class
        docstring)."""
        meta = {} if data_sample is None else data_sample.metainfo
        if meta.get(CHIP_KEY, None) is not None:
            suffix = self._suffix(chip_sample_name(out_file or name, meta))
            name = _add_suffix(chip_sample_name(name, meta), suffix)
            if out_file is not None:
                out_file = _add_suffix(chip_sample_name(out_file, meta),
                                       suffix)
            if draw_gt and 'gt_instances' in data_sample:
                ignored = np.zeros((0, 4), np.float32)
                if 'ignored_instances' in data_sample and \
                        'bboxes' in data_sample.ignored_instances:
                    ignored = _to_numpy(data_sample.ignored_instances.bboxes)
                caption = self.chip_caption(meta) if self.draw_caption \
                    else ''
                self._pending = (ignored, caption)
        try:
            super().add_datasample(
                name,
                image,
                data_sample,
                draw_gt=draw_gt,
                draw_pred=draw_pred,
                show=show,
                wait_time=wait_time,
                out_file=out_file,
                pred_score_thr=pred_score_thr,
                step=step)
        finally:
            self._pending = None
