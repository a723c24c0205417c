"""draw_chips / draw_legend / side_by_side (chip_stats.py pictures)."""
import numpy as np

from mmsniper.chips import generate_chips
from mmsniper.visualization import draw_chips, draw_legend, side_by_side
from mmsniper.visualization.chip_drawing import (INVALID_COLOR, VALID_COLOR,
                                                 scale_color)


def test_draw_chips_boxes_chips_and_legend():
    img = np.full((300, 400, 3), 90, np.uint8)
    boxes = np.array([[200., 150., 216., 166.], [20., 200., 300., 290.]])
    res = generate_chips(boxes, img.shape[:2], (2.0, 256), ((-1, 40),
                                                           (60, -1)), 128)
    out = draw_chips(img, boxes, res, ['x2', 'long=256'],
                     ((-1, 40), (60, -1)), title='given')
    assert out.shape == img.shape and (img == 90).all()  # a copy
    assert len(res) >= 2
    # the legend (top left) darkens the image and writes white text
    assert out[8:30, 8:60].min() < 40 and out[8:30, 8:60].max() > 200
    colours = {tuple(int(v) for v in px) for px in out.reshape(-1, 3)}
    assert VALID_COLOR in colours and scale_color(0) in colours
    assert scale_color(1) in colours
    # a box valid at no scale is red
    res = generate_chips(boxes[:1], img.shape[:2], (2.0, ), ((100, -1), ),
                         128)
    out = draw_chips(img, boxes[:1], res, ['x2'], ((100, -1), ))
    assert tuple(int(v) for v in out[150, 208]) == INVALID_COLOR


def test_legend_and_side_by_side():
    img = np.zeros((50, 80, 3), np.uint8)
    draw_legend(img, [('title', None), ('row', (0, 0, 255))])
    assert img.max() > 0
    both = side_by_side([img, np.zeros((40, 30, 3), np.uint8)], gap=4)
    assert both.shape == (50, 114, 3)
    assert (both[:, 80:84] == 255).all()


def test_legend_ramp_swatch():
    img = np.full((300, 400, 3), 90, np.uint8)
    ramp = [(0, 0, 255), (255, 0, 0)]  # blue to red (RGB)
    draw_legend(img, [('scale', (0, 255, 0)), ('heat 0 -> 1', ramp)])
    # row 1 (y from 6 + 6 + line): the ramp goes from its first to its
    # last colour, left to right, over three swatch widths (sw = line // 2
    # + 4 = 9 px for the 10 px lines of a 300 px image)
    y = 6 + 6 + 10 + 4
    row = img[y, 12:12 + 27].astype(int)
    assert tuple(row[0]) == (0, 0, 255)
    assert tuple(row[-1]) == (255, 0, 0)
    assert (np.diff(row[:, 0]) >= 0).all() and (np.diff(row[:, 2]) <= 0).all()
    assert img[y, 12 + 27:12 + 33].max() <= 90 * 0.35 + 1  # gap to the text
    assert (img[6 + 6 + 5, 12:20] == (0, 255, 0)).all()  # the plain swatch
