"""Uniform tiles: the grid covers the image with the overlap, SAHI's
min_area_ratio rule for truncated boxes."""
import numpy as np
import pytest

from mmsniper.chips import tile_boxes, tile_grid


def _covered(tiles, h, w):
    cover = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in tiles:
        cover[y1:y2, x1:x2] = True
    return cover


def test_grid_covers_the_image_with_the_overlap():
    tiles = tile_grid((300, 500), 100, overlap=0.2)
    # columns start every 80 px, the last one shifted back to end at 500
    xs = sorted(set(tiles[:, 0].tolist()))
    assert xs == [0, 80, 160, 240, 320, 400]
    assert sorted(set(tiles[:, 1].tolist())) == [0, 80, 160, 200]
    assert len(tiles) == 6 * 4
    assert (tiles[:, 2] - tiles[:, 0] == 100).all()
    assert (tiles[:, 3] - tiles[:, 1] == 100).all()
    assert tiles[:, 2].max() == 500 and tiles[:, 3].max() == 300
    assert _covered(tiles, 300, 500).all()
    # neighbours overlap by at least 20 px (the shifted last one by more)
    assert (np.diff(xs) <= 80).all() and (np.diff(xs) >= 1).all()


def test_grid_of_an_image_smaller_than_a_tile_is_the_image():
    assert tile_grid((60, 90), 100).tolist() == [[0, 0, 90, 60]]
    # exactly one tile wide: no second column
    assert tile_grid((100, 100), 100).tolist() == [[0, 0, 100, 100]]


def test_grid_without_overlap_and_bad_arguments():
    tiles = tile_grid((200, 200), 100, overlap=0.0)
    assert sorted(tiles[:, 0].tolist()) == [0, 0, 100, 100]
    with pytest.raises(ValueError, match='overlap'):
        tile_grid((200, 200), 100, overlap=1.0)
    with pytest.raises(ValueError, match='positive'):
        tile_grid((200, 200), 0)


def test_truncated_boxes_kept_at_the_area_ratio():
    tile = [0, 0, 100, 100]
    boxes = np.array(
        [
            [10, 10, 30, 30],  # inside
            [90, 10, 190, 20],  # 10 % inside: kept at 0.1
            [95, 10, 195, 20],  # 5 % inside: dropped
            [91, 10, 191, 20],  # 9 % inside: dropped
            [150, 150, 160, 160],  # outside
            [40, 40, 40, 60],  # degenerate
        ],
        np.float32)
    assert tile_boxes(boxes, tile, 0.1).tolist() == [0, 1]
    assert tile_boxes(boxes, tile, 0.0).tolist() == [0, 1, 2, 3]
    assert tile_boxes(boxes, tile, 0.5).tolist() == [0]
    assert tile_boxes(np.zeros((0, 4)), tile).tolist() == []
