# Copyright (c) mmsniper contributors. All rights reserved.
"""The numpy reference of the FocusChip op
(:mod:`mmsniper.ops.focus_chips_ref`): each step on hand-made masks, the
whole op on the hand-made maps, and the agreement with a transcription of
the original OpenCV ``gmask`` loop."""
import numpy as np
import pytest

from mmsniper.ops.focus_chips_ref import (binarize_dilate, contour_boxes,
                                          enlarge_boxes, focus_chip_cells_ref,
                                          label_components, sort_boxes)
from mmsniper.testing.focus_chip_cases import (CASES, IDS, case_limits,
                                               random_case)


def _mask(rows):
    """A boolean mask from strings of '0' / '1'."""
    return np.array([[c == '1' for c in r] for r in rows])


def test_binarize_threshold_and_dilation():
    prob = np.zeros((5, 5), np.float32)
    prob[2, 2] = 0.7
    # d = 1: the threshold alone, inclusive
    assert np.argwhere(binarize_dilate(prob, 0.7, 1)).tolist() == [[2, 2]]
    assert not binarize_dilate(prob, 0.71, 1).any()
    # d = 3 (anchor 1): the 3 x 3 block around the cell
    out = binarize_dilate(prob, 0.5, 3)
    assert out.dtype == bool
    assert out.tolist() == _mask(['00000', '01110', '01110', '01110',
                                  '00000']).tolist()
    # d = 2 (anchor 1): out[y, x] looks at y - 1 .. y, x - 1 .. x, so the
    # cell spreads down and right
    assert np.argwhere(binarize_dilate(prob, 0.5, 2)).tolist() == [
        [2, 2], [2, 3], [3, 2], [3, 3]]
    # d = 5 at a corner: clipped to the map
    corner = np.zeros((4, 4), np.float32)
    corner[0, 0] = 1
    assert binarize_dilate(corner, 0.5, 5).tolist() == _mask(
        ['1110', '1110', '1110', '0000']).tolist()


def test_binarize_compares_in_float32():
    # 0.6999999999 is below 0.7 in float64 but rounds to float32(0.7)
    prob = np.full((1, 1), 0.6999999999, np.float64)
    assert prob[0, 0] < 0.7
    assert binarize_dilate(prob, 0.7, 1).tolist() == [[True]]


def test_label_components_connectivity():
    mask = _mask(['101', '010', '100'])
    assert label_components(mask, 8).tolist() == [[0, -1, 0], [-1, 0, -1],
                                                   [0, -1, -1]]
    assert label_components(mask, 4).tolist() == [[0, -1, 2], [-1, 4, -1],
                                                   [6, -1, -1]]
    # a U: the right arm reaches the left one only through the bottom row
    u = _mask(['1010', '1010', '1110'])
    assert label_components(u, 4).tolist() == [[0, -1, 0, -1],
                                                [0, -1, 0, -1],
                                                [0, 0, 0, -1]]
    assert (label_components(np.zeros((2, 3), bool), 8) == -1).all()


def test_contour_boxes_outer_and_holes():
    assert contour_boxes(np.zeros((4, 4), bool)).shape == (0, 4)
    # a ring: the outer contour and the hole's, grown by one cell
    ring = _mask(['00000', '01110', '01010', '01110', '00000'])
    boxes = contour_boxes(ring)
    assert boxes.dtype == np.int64
    assert boxes.tolist() == [[1, 1, 4, 4], [1, 1, 4, 4]]
    # a U open to the border has no hole
    assert contour_boxes(_mask(['101', '101', '111'])).tolist() == [
        [0, 0, 3, 3]]
    # two diagonal zeros are two holes (4-connected background)
    two = _mask(['1111', '1011', '1101', '1111'])
    assert contour_boxes(two).tolist() == [[0, 0, 4, 4], [0, 0, 3, 3],
                                           [1, 1, 4, 4]]
    # two separate components: two outer contours, in label order
    assert contour_boxes(_mask(['0001', '1000'])).tolist() == [
        [3, 0, 4, 1], [0, 1, 1, 2]]


@pytest.mark.parametrize('box,min_size,map_w,map_h,expected', [
    ([3, 3, 5, 5], 8, 20, 20, [0, 0, 8, 8]),  # centre 4 - 4 = 0
    ([17, 0, 19, 1], 8, 20, 20, [12, 0, 20, 8]),  # past the right: shifted
    ([16, 0, 18, 1], 7, 20, 20, [13, 0, 20, 7]),  # centre + 3 == 20: shifted
    ([15, 0, 17, 1], 7, 20, 20, [13, 0, 20, 7]),  # centre + 3 == 19: kept
    ([1, 1, 2, 2], 8, 5, 5, [0, 0, 8, 8]),  # limit smaller than a chip
    ([2, 3, 14, 5], 4, 20, 20, [2, 2, 14, 6]),  # large enough in x
    ([1, 1, 5, 5], 5, 20, 20, [1, 1, 6, 6]),  # floor of centre and half
])
def test_enlarge_boxes(box, min_size, map_w, map_h, expected):
    out = enlarge_boxes(np.array([box]), min_size, map_w, map_h)
    assert out.dtype == np.int64 and out.tolist() == [expected]


def test_enlarge_boxes_empty_and_sort():
    assert enlarge_boxes(np.zeros((0, 4)), 4, 10, 10).shape == (0, 4)
    boxes = np.array([[5, 1, 6, 2], [0, 1, 3, 2], [0, 0, 9, 9],
                      [0, 1, 2, 2]])
    assert sort_boxes(boxes).tolist() == [[0, 0, 9, 9], [0, 1, 2, 2],
                                          [0, 1, 3, 2], [5, 1, 6, 2]]


def _gmask_cells_opencv(prob, d, t, k, iw, ih):
    """The original ``gmask`` loop (OpenCV, Python 3 floor division)."""
    cv2 = pytest.importorskip('cv2')

    def enlarge(cnts):
        out = []
        for cnt in cnts:
            x, y, w, h = cv2.boundingRect(cnt)
            cx, cy = (x + x + w) // 2, (y + y + h) // 2
            w, h = max(k, w), max(k, h)
            if cx + w // 2 >= iw:
                x = iw - w if iw - w >= 0 else 0
            elif cx - w // 2 < 0:
                x = 0
            else:
                x = cx - w // 2
            if cy + h // 2 >= ih:
                y = ih - h if ih - h >= 0 else 0
            elif cy - h // 2 < 0:
                y = 0
            else:
                y = cy - h // 2
            out.append([x, y, x + w, y + h])
        return out

    mask = prob.astype(np.float32).copy()
    mask[mask >= t] = 1
    mask[mask < t] = 0
    mask = cv2.dilate(mask, np.ones((d, d), np.uint8)) * 255
    cnts, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    chips, nchips = [], -1
    while nchips != len(chips):
        nchips = len(chips)
        for x1, y1, x2, y2 in enlarge(cnts):
            mask[y1:y2, x1:x2] = 255
        cnts, _ = cv2.findContours(
            mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        chips = enlarge(cnts)
    return sort_boxes(np.array(chips, dtype=np.int64).reshape(-1, 4))


@pytest.mark.parametrize('case', CASES, ids=IDS)
def test_reference_hand_cases(case):
    _, prob, t, d, k, lim, expected = case
    iw, ih = case_limits(prob, lim)
    cells = focus_chip_cells_ref(prob, t, d, k, iw, ih)
    assert cells.dtype == np.int64 and cells.shape == (len(expected), 4)
    assert cells.tolist() == expected


def test_hand_cases_match_opencv():
    for _, prob, t, d, k, lim, expected in CASES:
        iw, ih = case_limits(prob, lim)
        assert _gmask_cells_opencv(prob, d, t, k, iw, ih).tolist() == expected


def test_reference_matches_opencv_random():
    """The reference reproduces the original OpenCV loop exactly."""
    for seed in range(300):
        prob, t, d, k, iw, ih = random_case(seed)
        expected = _gmask_cells_opencv(prob, d, t, k, iw, ih)
        np.testing.assert_array_equal(
            focus_chip_cells_ref(prob, t, d, k, iw, ih), expected,
            err_msg=f'seed {seed}')
