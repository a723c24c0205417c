# Copyright (c) mmsniper contributors. All rights reserved.
"""Drawing FocusChips and FocusPixel heat maps next to detections."""
from typing import Optional, Tuple

import cv2
import numpy as np
from mmdet.registry import VISUALIZERS
from mmdet.structures import DetDataSample

from .sniper_visualizer import SniperLocalVisualizer

#: Edge colours (RGB) of the chips processed at scale 1, 2, ... (scale 0 is
#: the whole image and is not drawn).
CHIP_COLORS = ((255, 215, 0), (0, 255, 255), (255, 0, 255), (0, 255, 0))


def focus_map_to_image(prob: np.ndarray, img_shape: Tuple[int, int],
                       cell_size: float) -> np.ndarray:
    """Spread a FocusPixel map ``(h, w)`` over the original image: pixel
    ``(y, x)`` takes cell ``(floor(y / cell_size), floor(x / cell_size))``
    (nearest, so the cells stay visible).

    Args:
        prob (np.ndarray): Probabilities ``(h, w)``.
        img_shape (tuple[int, int]): ``(H, W)`` of the original image.
        cell_size (float): Original pixels per cell (``stride / f``).

    Returns:
        np.ndarray: float32 ``(H, W)``.
    """
    prob = np.asarray(prob, dtype=np.float32)
    h, w = img_shape
    rows = np.minimum((np.arange(h) / cell_size).astype(np.int64),
                      prob.shape[0] - 1)
    cols = np.minimum((np.arange(w) / cell_size).astype(np.int64),
                      prob.shape[1] - 1)
    return prob[rows][:, cols]


def overlay_heatmap(image: np.ndarray, heat: np.ndarray,
                    alpha: float = 0.45) -> np.ndarray:
    """Blend a ``[0, 1]`` heat map (JET colours) over an RGB image."""
    color = cv2.applyColorMap(
        np.clip(heat * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_JET)
    color = cv2.cvtColor(color, cv2.COLOR_BGR2RGB)
    out = image.astype(np.float32) * (1 - alpha) + color * alpha
    return np.clip(out, 0, 255).astype(np.uint8)


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


@VISUALIZERS.register_module()
class FocusVisualizer(SniperLocalVisualizer):
    """:class:`~.SniperLocalVisualizer` (mmdet's ``DetLocalVisualizer``
    plus SNIPER chip samples) that can also show AutoFocus outputs.

    ``add_datasample(..., draw_focus_map=True, draw_focus_chips=True)``
    first blends the FocusPixel map of the coarsest scale
    (``pred_focus_map``) over the image as a heat map and draws the
    FocusChips processed at each finer scale (``focus_chips`` metainfo;
    colour per scale, see :data:`CHIP_COLORS`), then draws the detections
    as ``DetLocalVisualizer`` does.

    Args:
        chip_line_width (int): Defaults to 3.
        heatmap_alpha (float): Heat map opacity. Defaults to 0.45.
        Other args: as ``SniperLocalVisualizer``.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 chip_line_width: int = 3,
                 heatmap_alpha: float = 0.45,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.chip_line_width = chip_line_width
        self.heatmap_alpha = heatmap_alpha

    def draw_focus(self, image: np.ndarray, data_sample: DetDataSample,
                   draw_focus_map: bool = True,
                   draw_focus_chips: bool = True) -> np.ndarray:
        """The image (RGB) with the heat map and the chips drawn."""
        image = image.clip(0, 255).astype(np.uint8)
        h, w = image.shape[:2]
        cell = focus_cell_size(data_sample)
        if draw_focus_map and cell is not None:
            prob = data_sample.pred_focus_map.prob[0].detach().cpu().numpy()
            image = overlay_heatmap(
                image, focus_map_to_image(prob, (h, w), cell),
                self.heatmap_alpha)
        chips = data_sample.metainfo.get('focus_chips', None)
        if draw_focus_chips and chips:
            self.set_image(image)
            for s, c in enumerate(chips[1:]):
                c = np.asarray(c, dtype=np.float32).reshape(-1, 4)
                if len(c) == 0:
                    continue
                self.draw_bboxes(
                    c,
                    edge_colors=[CHIP_COLORS[s % len(CHIP_COLORS)]],
                    line_widths=self.chip_line_width)
            image = self.get_image()
        return image

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
                       draw_focus_map: bool = False,
                       draw_focus_chips: bool = False) -> None:
        """As ``SniperLocalVisualizer.add_datasample``, plus the FocusPixel
        heat map and the FocusChips under the detections."""
        if data_sample is not None and (draw_focus_map or draw_focus_chips):
            image = self.draw_focus(image, data_sample, draw_focus_map,
                                    draw_focus_chips)
        super().add_datasample(name, image, data_sample, draw_gt, draw_pred,
                               show, wait_time, out_file, pred_score_thr,
                               step)
