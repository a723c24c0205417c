# Copyright (c) mmsniper contributors. All rights reserved.
"""The SNIPER chips of an image drawn with OpenCV, with a legend (the
pictures of ``tools/analysis/chip_stats.py --show-dir``); the legend box
also serves :class:`~mmsniper.visualization.FocusVisualizer`."""
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

Color = Tuple[int, int, int]
#: A legend swatch: one colour or a ramp of colours.
Swatch = Union[Color, Sequence[Color]]

#: BGR colour of the chips of scale 0, 1, ... (finest first).
SCALE_COLORS: Tuple[Color, ...] = ((255, 128, 0), (0, 200, 255),
                                   (255, 0, 255), (0, 255, 255),
                                   (128, 128, 255))
#: BGR colours of the boxes: valid at some scale, valid at none, crowd.
VALID_COLOR: Color = (0, 200, 0)
INVALID_COLOR: Color = (0, 0, 255)
CROWD_COLOR: Color = (160, 160, 160)


def scale_color(scale_idx: int) -> Color:
    """The BGR colour of the chips of scale ``scale_idx``."""
    return SCALE_COLORS[scale_idx % len(SCALE_COLORS)]


def _font(img: np.ndarray,
          scale: Optional[float] = None) -> Tuple[float, int]:
    """Font scale (given, or from the image's size) and line height."""
    if scale is None:
        scale = float(np.clip(min(img.shape[:2]) / 900., 0.4, 1.2))
    return float(scale), int(round(26 * scale))


def _is_ramp(color) -> bool:
    """Whether a legend colour is a ramp (a sequence of colours)."""
    return color is not None and np.asarray(color).ndim == 2


def draw_legend(img: np.ndarray,
                rows: Sequence[Tuple[str, Optional[Swatch]]],
                origin: Tuple[int, int] = (6, 6),
                font_scale: Optional[float] = None) -> np.ndarray:
    """Draw a legend box in place: one row per ``(text, colour)``, with a
    colour swatch (no swatch for ``None``, e.g. a title row).

    The box darkens the image under it and the text is white. A colour is
    in the image's channel order (BGR for OpenCV images, RGB for mmengine's
    visualizers); a sequence of colours (``(N, 3)``) is drawn as a ramp,
    first colour on the left, three swatches wide (e.g. a heat-map scale).

    Args:
        img (np.ndarray): Image ``(H, W, 3)`` uint8, drawn in place.
        rows (Sequence[tuple[str, tuple | Sequence[tuple] | None]]): Text
            and colour (or ramp, or None) of each row.
        origin (tuple[int, int]): Top-left corner ``(x, y)``.
        font_scale (float, optional): OpenCV font scale (line height
            ``26 * font_scale`` px). Defaults to one from the image size,
            ``clip(min(H, W) / 900, 0.4, 1.2)``.

    Returns:
        np.ndarray: ``img``.
    """
    fs, line = _font(img, font_scale)
    sw = line // 2 + 4

    def swatch_w(color) -> int:
        return 0 if color is None else (3 * sw if _is_ramp(color) else sw)

    width = max(
        cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, fs, 1)[0][0] +
        (swatch_w(c) + 6 if c is not None else 0) for t, c in rows) + 12
    x0, y0 = origin
    x1 = min(img.shape[1] - 1, x0 + width)
    y1 = min(img.shape[0] - 1, y0 + line * len(rows) + 8)
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi * 0.35).astype(img.dtype)  # darken under the text
    for k, (text, color) in enumerate(rows):
        y = y0 + 6 + line * k
        x = x0 + 6
        if _is_ramp(color):
            ramp = np.asarray(color, np.float64).reshape(-1, 3)
            n = swatch_w(color)
            # colour of column j: linear in the ramp's entries
            pos = np.linspace(0, len(ramp) - 1, n)
            cols = np.stack([np.interp(pos, np.arange(len(ramp)), ramp[:, c])
                             for c in range(3)], axis=1)
            ya, yb = y + 3, y + line - 4
            xb = min(x + n, img.shape[1])
            if yb > ya and xb > x:
                img[ya:yb, x:xb] = np.round(cols[:xb - x]).astype(
                    img.dtype)[None]
            x += n + 6
        elif color is not None:
            cv2.rectangle(img, (x, y + 3), (x + sw, y + line - 5),
                          tuple(int(v) for v in color), -1)
            x += sw + 6
        cv2.putText(img, text, (x, y + line - 6), cv2.FONT_HERSHEY_SIMPLEX,
                    fs, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def draw_chips(img: np.ndarray,
               bboxes: np.ndarray,
               result,
               scale_names: Sequence[str],
               valid_ranges: Sequence[Sequence[float]],
               title: str = '',
               crowd: Optional[np.ndarray] = None) -> np.ndarray:
    """A copy of ``img`` with the boxes, the chips and a legend.

    Boxes: green when valid at some scale, red when valid at none, grey
    for crowd boxes. Chips: one colour per scale (:func:`scale_color`),
    positive chips thick, negative chips thin, labelled ``s<scale>``.

    Args:
        img (np.ndarray): BGR image ``(H, W, 3)``.
        bboxes (np.ndarray): Boxes ``[N, 4]`` x1y1x2y2 (original pixels).
        result (ChipResult): :func:`~mmsniper.chips.generate_chips` of
            these boxes.
        scale_names (Sequence[str]): One name per scale (legend).
        valid_ranges (Sequence[Sequence[float]]): ``(lo, hi)`` per scale.
        title (str): First legend row. Defaults to ''.
        crowd (np.ndarray, optional): bool ``[N]`` crowd flags.

    Returns:
        np.ndarray: The drawn BGR image.
    """
    out = img.copy()
    fs, _ = _font(out)
    boxes = np.asarray(bboxes, np.float64).reshape(-1, 4).astype(int)
    valid = np.asarray(result.gt_valid).any(axis=1)
    crowd = np.zeros(len(boxes), bool) if crowd is None else np.asarray(
        crowd, bool)
    for b, ok, cr in zip(boxes, valid, crowd):
        color = CROWD_COLOR if cr else VALID_COLOR if ok else INVALID_COLOR
        cv2.rectangle(out, tuple(b[:2]), tuple(b[2:4]), color, 1)
    thick = max(2, int(round(2 * fs)))
    counts = np.zeros(len(scale_names), int)
    for c, s, neg in zip(result.chips.astype(int), result.scale_inds,
                         result.is_negative):
        color = scale_color(int(s))
        counts[s] += 1
        cv2.rectangle(out, tuple(c[:2]), tuple(c[2:4]), color,
                      1 if neg else thick)
        cv2.putText(out, f's{s}', (int(c[0]) + 4, int(c[1]) + int(18 * fs)),
                    cv2.FONT_HERSHEY_SIMPLEX, fs * 0.8, color, 1,
                    cv2.LINE_AA)
    rows: List[Tuple[str, Optional[Color]]] = [(title, None)] if title \
        else []
    for s, name in enumerate(scale_names):
        lo, hi = valid_ranges[s]
        rows.append((f's{s} {name} [{lo:g}, {hi:g}): {counts[s]} chips',
                     scale_color(s)))
    rows += [('box valid at some scale', VALID_COLOR),
             ('box valid at no scale', INVALID_COLOR)]
    if crowd.any():
        rows.append(('crowd box', CROWD_COLOR))
    if np.asarray(result.is_negative).any():
        rows.append(('thin chip: negative', None))
    return draw_legend(out, rows)


def side_by_side(panels: Sequence[np.ndarray], gap: int = 8) -> np.ndarray:
    """Panels of one height side by side, ``gap`` white pixels apart."""
    h = max(p.shape[0] for p in panels)
    sep = np.full((h, gap, 3), 255, np.uint8)
    out: List[np.ndarray] = []
    for k, p in enumerate(panels):
        if p.shape[0] < h:
            p = np.pad(p, ((0, h - p.shape[0]), (0, 0), (0, 0)))
        out += [sep, p] if k else [p]
    return np.concatenate(out, axis=1)
