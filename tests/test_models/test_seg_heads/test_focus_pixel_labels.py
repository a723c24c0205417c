"""FocusPixel labels (spec 5.1): cells, thresholds, rounding, overwrite
order, and a small box on a large one."""
import pytest
import torch

import mmsniper  # noqa: F401
from mmsniper.models import FocusPixelHead, focus_pixel_labels
from mmsniper.testing import focus_sample

pytestmark = pytest.mark.usefixtures('single_thread')


def _labels(boxes, size=(8, 8), **kw):
    return focus_pixel_labels(
        torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4), size,
        **kw).tolist()


def test_labels_cells_and_sizes():
    # a = 20 (positive): cells floor(0/16)=0 .. ceil(20/16)=2 on both axes
    lab = _labels([[0, 0, 20, 20]])
    for r in range(8):
        for c in range(8):
            assert lab[r][c] == (1 if r <= 2 and c <= 2 else 0)
    # x2 on a cell border still touches the next cell: ceil(32/16)=2
    lab = _labels([[16, 16, 32, 32]])
    assert [lab[1][c] for c in range(4)] == [0, 1, 1, 0]
    assert [lab[r][1] for r in range(4)] == [0, 1, 1, 0]
    # the last cell index is clamped to W-1 / H-1
    lab = _labels([[100, 100, 127, 127]], size=(8, 8))
    assert lab[7][7] == 1 and lab[6][6] == 1 and lab[5][5] == 0


@pytest.mark.parametrize(
    'side,expected',
    [(4, -1), (5, -1), (5.2, 1), (63, 1), (64, -1), (89, -1), (90, None),
     (200, None)])
def test_labels_thresholds(side, expected):
    # round_boxes=False so that the side is exact; map large enough
    lab = focus_pixel_labels(
        torch.tensor([[1., 1., 1. + side, 1. + side]]), (16, 16),
        round_boxes=False)
    value = lab[0, 0].item()
    assert value == (0 if expected is None else expected)
    if expected is None:
        assert (lab == 0).all()


def test_labels_rounding_and_clipping():
    # 5.2 x 5.2 is positive; rounded to [11, 11, 16, 16] a = 5: don't care
    box = [[10.6, 10.6, 15.8, 15.8]]
    assert _labels(box)[0][0] == -1
    assert _labels(box, round_boxes=False)[0][0] == 1
    # clipped to [0, W*stride-1]: a box far outside collapses to a
    # zero-area box on the border -> a thin -1 strip (the original quirk)
    lab = _labels([[200, 0, 300, 20]], size=(4, 4))
    assert [row[3] for row in lab] == [-1, -1, -1, 0]  # rows 0..ceil(20/16)
    assert all(row[c] == 0 for row in lab for c in range(3))


def test_labels_overwrite_order():
    small = [0, 0, 20, 20]  # positive, cells 0..2
    medium = [0, 0, 70, 70]  # a = 70: don't care, cells 0..4 (ceil 4.4=5)
    lab = _labels([small, medium])  # later -1 overwrites the 1s
    assert lab[0][0] == -1 and lab[2][2] == -1 and lab[5][5] == -1
    assert lab[6][6] == 0
    lab = _labels([medium, small])  # later 1 overwrites the -1s
    assert lab[0][0] == 1 and lab[2][2] == 1 and lab[3][3] == -1
    # a big box (a >= 90) paints nothing, even over earlier labels
    lab = _labels([small, [0, 0, 120, 120]])
    assert lab[0][0] == 1 and lab[4][4] == 0


def test_labels_custom_thresholds_and_stride():
    # halved thresholds (256 px chips) and stride 8
    lab = focus_pixel_labels(
        torch.tensor([[0., 0., 30., 30.], [64., 0., 104., 40.]]), (8, 16),
        stride=8, dc_low=2.5, small_thresh=32, dc_high=45)
    assert lab[0, 0] == 1 and lab[0, 4] == 1 and lab[0, 5] == 0
    assert lab[0, 8] == -1 and lab[0, 13] == -1 and lab[0, 14] == 0


def test_labels_empty():
    lab = focus_pixel_labels(torch.zeros((0, 4)), (3, 5))
    assert lab.shape == (3, 5) and (lab == 0).all()

TABLE = [6., 6., 506., 506.]  # 500 px
CUP = [300., 320., 330., 350.]  # 30 px, on the table


def test_labels_small_box_on_a_large_one():
    """The nested case on a 512 px chip: the 500 px box paints nothing
    (a >= 90), so the 30 px box on it is a FocusPixel in either order and
    the rest of the table is negative, valid or invalid alike."""
    for boxes in ([CUP, TABLE], [TABLE, CUP]):
        lab = torch.tensor(_labels(boxes, size=(32, 32)))
        pos = lab == 1
        # x: floor(300/16)=18 .. ceil(330/16)=21; y: 20 .. ceil(350/16)=22
        assert pos[20:23, 18:22].all() and int(pos.sum()) == 12
        assert (lab[~pos] == 0).all()
    head = FocusPixelHead(in_channels=4, feat_channels=4)
    for sample in (focus_sample([CUP], [TABLE]), focus_sample([], [CUP, TABLE])):
        labels = head.get_targets([head.chip_boxes(sample)], (32, 32))[0]
        assert int((labels == 1).sum()) == 12
        assert int((labels == -1).sum()) == 0

