# Copyright (c) mmsniper contributors. All rights reserved.
"""Drawing AutoFocus results: FocusChips, the FocusPixel heat map and a
legend, under the detections (:class:`FocusVisualizer`)."""
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample

from .chip_drawing import draw_legend
from .focus_drawing import (CHIP_COLORS, chip_color,  # noqa: F401
                            focus_map_to_image, heat_colors, overlay_heatmap)
from .sniper_visualizer import SniperLocalVisualizer


def focus_cell_size(data_sample: DetDataSample) -> Optional[float]:
    """Original pixels per cell of ``data_sample.pred_focus_map``."""
    if 'pred_focus_map' not in data_sample:
        return None
    fmap = data_sample.pred_focus_map
    stride = fmap.metainfo.get('stride', 16)
    f = fmap.metainfo.get('scale_factor', None)
    if f is None:
        sf = data_sample.metainfo.get('scale_factor', (1., 1.))
        f = float(sf[0]) if isinstance(sf, (tuple, list)) else float(sf)
    return stride / float(f)


def _np(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _chips(data_sample: DetDataSample) -> List[np.ndarray]:
    """The ``focus_chips`` of a sample, one ``(K_s, 4)`` array per scale
    (``[]`` when there are none)."""
    chips = data_sample.metainfo.get('focus_chips', None)
    if chips is None:
        return []
    return [_np(c).astype(np.float64).reshape(-1, 4) for c in chips]


def has_focus(data_sample: Optional[DetDataSample]) -> bool:
    """Whether a sample carries AutoFocus outputs (``focus_chips`` or
    ``pred_focus_map``)."""
    return data_sample is not None and (
        'pred_focus_map' in data_sample
        or data_sample.metainfo.get('focus_chips', None) is not None)


@VISUALIZERS.register_module()
class FocusVisualizer(SniperLocalVisualizer):
    """:class:`~.SniperLocalVisualizer` (mmdet's ``DetLocalVisualizer`` plus
    SNIPER chip samples) that also shows AutoFocus outputs.

    For a data sample with ``pred_focus_map`` and/or ``focus_chips``
    metainfo (the predictions of :class:`~mmsniper.models.AutoFocusDetector`),
    the prediction panel shows, under the detections:

    - the FocusPixel map of the coarsest scale as a JET heat map whose
      opacity follows the probability (``heatmap_alpha * p`` per pixel:
      cells with ``p = 0`` leave the image untouched);
    - the FocusChips processed at each finer scale, edges in one colour per
      scale (:data:`CHIP_COLORS`: scale 1 yellow, scale 2 cyan, ...);
    - a legend (top left) naming the colour of each scale, its factor and
      chip count, and the heat map's meaning.

    This is the default (``draw_focus_map=True, draw_focus_chips=True``),
    so ``tools/test.py ... --show-dir DIR`` (mmdet's
    ``DetVisualizationHook``, whose ``add_datasample`` call has no focus
    arguments) draws AutoFocus pictures; ``add_datasample`` takes both
    flags per call as well (None: the instance's). When the picture has no
    prediction panel (``draw_pred=False``, or no ``pred_instances``), the
    focus drawings go on the image itself. Other samples (single-scale,
    SNIPER pyramid, training chips) are drawn exactly as by
    :class:`~.SniperLocalVisualizer`.

    Args:
        name (str): Instance name. Defaults to 'visualizer'.
        draw_focus_map (bool): Draw the FocusPixel heat map. Defaults to
            True.
        draw_focus_chips (bool): Draw the FocusChips. Defaults to True.
        draw_focus_legend (bool): Draw the legend. Defaults to True.
        chip_line_width (int): FocusChip edge width in pixels. Defaults
            to 3.
        heatmap_alpha (float): Heat map opacity at ``p = 1``. Defaults to
            0.6.
        Other args: as ``SniperLocalVisualizer``.

    Examples:
        >>> # configs/_base_/sniper_runtime.py
        >>> visualizer = dict(type='FocusVisualizer',
        ...                   vis_backends=[dict(type='LocalVisBackend')],
        ...                   name='visualizer')
    """

    def __init__(self,
                 name: str = 'visualizer',
                 draw_focus_map: bool = True,
                 draw_focus_chips: bool = True,
                 draw_focus_legend: bool = True,
                 chip_line_width: int = 3,
                 heatmap_alpha: float = 0.6,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if not 0 <= heatmap_alpha <= 1:
            raise ValueError(
                f'FocusVisualizer: heatmap_alpha must be in [0, 1], got '
                f'{heatmap_alpha}')
        self.draw_focus_map = bool(draw_focus_map)
        self.draw_focus_chips = bool(draw_focus_chips)
        self.draw_focus_legend = bool(draw_focus_legend)
        self.chip_line_width = int(chip_line_width)
        self.heatmap_alpha = float(heatmap_alpha)
        # set by add_datasample: what to draw on the prediction panel, and
        # how many _draw_instances calls (the ground truth panel) come first
        self._focus_job: Optional[dict] = None

    # ------------------------------------------------------------------
    def draw_focus(self,
                   image: np.ndarray,
                   data_sample: DetDataSample,
                   draw_focus_map: bool = True,
                   draw_focus_chips: bool = True) -> np.ndarray:
        """The RGB ``image`` (original pixels) with the heat map and the
        FocusChips of scales 1, 2, ... drawn (a copy)."""
        image = image.clip(0, 255).astype(np.uint8)
        h, w = image.shape[:2]
        cell = focus_cell_size(data_sample)
        if draw_focus_map and cell is not None:
            prob = _np(data_sample.pred_focus_map.prob).astype(np.float32)
            prob = prob.reshape(prob.shape[-2:])
            image = overlay_heatmap(image,
                                    focus_map_to_image(prob, (h, w), cell),
                                    self.heatmap_alpha)
        if draw_focus_chips:
            image = np.ascontiguousarray(image)
            lw = max(1, self.chip_line_width)
            for s, chips in enumerate(_chips(data_sample)):
                if s == 0:
                    continue  # the whole image
                for x1, y1, x2, y2 in chips:
                    p1 = (int(np.clip(round(x1), 0, w - 1)),
                          int(np.clip(round(y1), 0, h - 1)))
                    p2 = (int(np.clip(round(x2) - 1, 0, w - 1)),
                          int(np.clip(round(y2) - 1, 0, h - 1)))
                    cv2.rectangle(image, p1, p2, chip_color(s), lw,
                                  cv2.LINE_8)
        return image

    def focus_legend_rows(self, data_sample: DetDataSample,
                          draw_focus_map: bool = True,
                          draw_focus_chips: bool = True
                          ) -> List[Tuple[str, Optional[object]]]:
        """The legend rows (text, RGB colour / ramp / None) of a sample."""
        rows: List[Tuple[str, Optional[object]]] = []
        factors: Sequence[float] = data_sample.metainfo.get(
            'scale_factors', ()) or ()

        def at(s: int) -> str:
            return f' x{float(factors[s]):.3g}' if s < len(factors) else ''

        chips = _chips(data_sample)
        if draw_focus_chips and chips:
            rows.append((f's0{at(0)}: whole image', None))
            for s in range(1, len(chips)):
                n = len(chips[s])
                rows.append((f's{s}{at(s)}: {n} chip{"" if n == 1 else "s"}',
                             chip_color(s)))
        if draw_focus_map and 'pred_focus_map' in data_sample:
            ramp = [tuple(int(v) for v in c)
                    for c in heat_colors(np.linspace(0, 1, 9))]
            rows.append(('FocusPixel p 0..1', ramp))
            rows.append(('opacity ~ p', None))
        return rows

    def _draw_focus_legend(self, image: np.ndarray, job: dict) -> np.ndarray:
        rows = self.focus_legend_rows(job['sample'], job['map'],
                                      job['chips'])
        if not rows or not self.draw_focus_legend:
            return image
        image = np.ascontiguousarray(image.clip(0, 255).astype(np.uint8))
        # smaller than chip_stats' legends: it sits on the detections
        fs = float(np.clip(min(image.shape[:2]) / 1500., 0.4, 0.8))
        return draw_legend(image, rows, font_scale=fs)

    def _draw_instances(self, image: np.ndarray, instances, classes,
                        palette) -> np.ndarray:
        job = self._focus_job
        if job is None:
            return super()._draw_instances(image, instances, classes,
                                           palette)
        if job['skip'] > 0:  # the ground truth panel
            job['skip'] -= 1
            return super()._draw_instances(image, instances, classes,
                                           palette)
        self._focus_job = None  # the prediction panel
        image = self.draw_focus(image, job['sample'], job['map'],
                                job['chips'])
        image = super()._draw_instances(image, instances, classes, palette)
        return self._draw_focus_legend(image, job)

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
                       step: int = 0,
                       draw_focus_map: Optional[bool] = None,
                       draw_focus_chips: Optional[bool] = None) -> None:
        """As ``SniperLocalVisualizer.add_datasample``, plus the FocusPixel
        heat map, the FocusChips and their legend under the detections
        (see the class docstring).

        Args:
            draw_focus_map (bool, optional): Draw the heat map; None: the
                instance's ``draw_focus_map``. Defaults to None.
            draw_focus_chips (bool, optional): Draw the FocusChips; None:
                the instance's ``draw_focus_chips``. Defaults to None.
            Other args: as ``DetLocalVisualizer.add_datasample``.
        """
        map_on = self.draw_focus_map if draw_focus_map is None \
            else bool(draw_focus_map)
        chips_on = self.draw_focus_chips if draw_focus_chips is None \
            else bool(draw_focus_chips)
        job = None
        if has_focus(data_sample) and (map_on or chips_on):
            job = dict(sample=data_sample, map=map_on, chips=chips_on,
                       skip=int(draw_gt and 'gt_instances' in data_sample))
            if not (draw_pred and 'pred_instances' in data_sample):
                # no prediction panel: draw on the image itself
                image = self._draw_focus_legend(
                    self.draw_focus(image, data_sample, map_on, chips_on),
                    job)
                job = None
        self._focus_job = job
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
            self._focus_job = None
