# Copyright (c) mmsniper contributors. All rights reserved.
"""Pure numpy drawing of AutoFocus outputs
(:mod:`mmsniper.visualization.focus_drawing`): the FocusChip colours per
scale, the JET heat colours, the FocusPixel map spread over the image and
the heat map blended on it."""
import cv2
import numpy as np

from mmsniper.visualization.focus_drawing import (CHIP_COLORS, chip_color,
                                                  focus_map_to_image,
                                                  heat_colors,
                                                  overlay_heatmap)

JET_0 = (0, 0, 128)  # RGB of JET at 0: dark blue
JET_1 = (128, 0, 0)  # RGB of JET at 1: dark red


def _jet(p: float) -> np.ndarray:
    """RGB JET colour of p, straight from OpenCV."""
    bgr = cv2.applyColorMap(np.array([[int(p * 255)]], np.uint8),
                            cv2.COLORMAP_JET)
    return bgr[0, 0, ::-1].astype(np.float64)


def test_chip_color_cycles_from_scale_one():
    assert chip_color(1) == (255, 215, 0)  # yellow
    assert chip_color(2) == (0, 255, 255)  # cyan
    assert chip_color(3) == (255, 0, 255)  # magenta
    assert chip_color(4) == (0, 255, 0)  # green
    assert chip_color(5) == chip_color(1) and chip_color(6) == chip_color(2)
    assert len(set(CHIP_COLORS)) == len(CHIP_COLORS) == 4


def test_heat_colors_jet_endpoints_and_clipping():
    out = heat_colors(np.array([[0., 1.], [-3., 7.]]))
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8
    assert [tuple(c) for c in out.reshape(-1, 3).tolist()] == [
        JET_0, JET_1, JET_0, JET_1]  # values outside [0, 1] are clipped
    mid = heat_colors([0.5])
    assert mid.shape == (1, 3) and mid[0].tolist() == _jet(0.5).tolist()
    assert heat_colors(0.25).shape == (3, )  # a scalar gives one colour


def test_focus_map_to_image_nearest_cells():
    prob = np.array([[.1, .2, .3], [.4, .5, .6]], np.float32)
    # cell 2 px: rows 0 0 1 1 | 2 -> 1 (clamped), columns 0 0 1 1 2 2 | 3
    # -> 2 (clamped)
    out = focus_map_to_image(prob, (5, 7), 2)
    assert out.dtype == np.float32 and out.shape == (5, 7)
    r0 = [.1, .1, .2, .2, .3, .3, .3]
    r1 = [.4, .4, .5, .5, .6, .6, .6]
    np.testing.assert_array_equal(out, np.float32([r0, r0, r1, r1, r1]))
    # a fractional cell: floor(y / 1.5) = 0 0 1 2 -> 1 (clamped)
    out = focus_map_to_image(prob, (4, 3), 1.5)
    np.testing.assert_array_equal(
        out, np.float32([[.1, .1, .2], [.1, .1, .2], [.4, .4, .5],
                         [.4, .4, .5]]))
    # an int map becomes float32; a smaller image takes the first cells
    out = focus_map_to_image(np.array([[1, 0], [0, 1]]), (1, 1), 16)
    assert out.dtype == np.float32 and out.tolist() == [[1.]]


def test_overlay_heatmap_exact_values():
    img = np.full((1, 3, 3), 200, np.uint8)
    heat = np.array([[0., 1., 5.]], np.float32)  # 5 is clipped to 1
    out = overlay_heatmap(img, heat, alpha=0.5)
    assert out.dtype == np.uint8
    # 200 * (1 - 0.5) + JET(1) * 0.5 = (164, 100, 100)
    assert out[0].tolist() == [[200, 200, 200], [164, 100, 100],
                               [164, 100, 100]]
    full = overlay_heatmap(img, heat, alpha=1.)
    assert full[0, 1].tolist() == list(JET_1)
    # uniform opacity 0.5: the value-0 pixel too, 100 + JET(0) / 2
    flat = overlay_heatmap(img, heat, alpha=0.5, weighted=False)
    assert flat[0, 0].tolist() == [100, 100, 164]
    assert (overlay_heatmap(img, heat, alpha=0.) == img).all()


def test_overlay_heatmap_opacity_follows_value():
    img = np.full((2, 3, 3), 200, np.uint8)
    heat = np.array([[0., 0.5, 1.], [0., 0., 0.]], np.float32)
    out = overlay_heatmap(img, heat, alpha=0.5)
    assert (out[:, 0] == 200).all() and (out[1] == 200).all()
    assert np.abs(out[0, 2] - np.round(100 + 0.5 * _jet(1.))).max() <= 1
    assert np.abs(out[0, 1] - np.round(150 + 0.25 * _jet(.5))).max() <= 1
    flat = overlay_heatmap(img, heat, alpha=0.5, weighted=False)
    assert (flat[1] != 200).any(axis=1).all()  # uniform opacity
