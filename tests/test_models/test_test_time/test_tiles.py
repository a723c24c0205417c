"""Tiles of large inputs: the geometry, and a tiled run that finds what the
untiled run finds."""
import numpy as np
import pytest
import torch

from mmsniper.models.test_time import SniperMultiScaleTTA
from mmsniper.models.test_time import chip_runner as tt_runner
from mmsniper.models.test_time.tiles import build_tile_cfg, tile_windows

pytestmark = pytest.mark.usefixtures('single_thread')


@pytest.mark.parametrize('h,w,size,overlap', [(300, 1000, 128, 32),
                                              (129, 128, 128, 0),
                                              (75, 5000, 2048, 256),
                                              (601, 799, 128, 56),
                                              (20000, 300, 2048, 256)])
def test_tiles_cover_with_overlap(h, w, size, overlap):
    wins = tile_windows(h, w, size, overlap)
    assert len(wins) > 1
    cover = np.zeros((h, w), np.int32)
    for x0, y0, x1, y1 in wins:
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert x1 - x0 <= size and y1 - y0 <= size
        cover[y0:y1, x0:x1] += 1
    assert cover.min() >= 1  # every input pixel is in a tile
    for axis in (0, 1):
        starts = sorted({win[axis] for win in wins})
        ends = sorted({win[axis + 2] for win in wins})
        # adjacent tiles overlap by at least `overlap`
        assert all(e - s >= overlap for s, e in zip(starts[1:], ends[:-1]))
        # the fewest tiles: one less could not cover the side
        length, n = (w, h)[axis], len(starts)
        if n > 1:
            assert (n - 1) * size - (n - 2) * overlap < length
        # all of one length, as short as that allows
        lens = {win[axis + 2] - win[axis] for win in wins}
        assert len(lens) == 1
        tile = lens.pop()
        assert tile == min(length, -(-(length + (n - 1) * overlap) // n))
    # the docstring example
    assert tile_windows(100, 5000, 2048, 256) == [(0, 0, 1838, 100),
                                                  (1581, 0, 3419, 100),
                                                  (3162, 0, 5000, 100)]


def test_no_tiling_cases():
    assert tile_windows(100, 200, 0, 0) == [(0, 0, 200, 100)]
    assert tile_windows(2048, 2048, 2048, 256) == [(0, 0, 2048, 2048)]
    assert build_tile_cfg(None, 't')['size'] == 0
    assert build_tile_cfg(False, 't')['size'] == 0
    assert build_tile_cfg({}, 't') == dict(size=2048, overlap=256,
                                           border_margin=8.)
    with pytest.raises(KeyError, match="did you mean 'overlap'"):
        build_tile_cfg(dict(overlp=3), 'tta_cfg.tile')
    with pytest.raises(ValueError, match='overlap must be in'):
        build_tile_cfg(dict(size=100, overlap=50), 'tta_cfg.tile')
    with pytest.raises(ValueError, match='>= 0'):
        build_tile_cfg(dict(size=-5), 'tta_cfg.tile')


def _matched(ref_boxes, boxes, iou_thr=0.7):
    """For each reference box, whether some box overlaps it by > thr."""
    from mmdet.structures.bbox import bbox_overlaps
    if len(ref_boxes) == 0 or len(boxes) == 0:
        return np.zeros(len(ref_boxes), bool)
    iou = bbox_overlaps(torch.as_tensor(ref_boxes), torch.as_tensor(boxes))
    return (iou.max(dim=1).values > iou_thr).numpy()


def _run(detector, data, tile):
    model = SniperMultiScaleTTA(
        module=detector,
        tta_cfg=dict(scales=[2.0, 1.0], valid_ranges=None, tile=tile,
                     max_per_img=0)).eval()
    out = model.test_step(data)[0]
    keep = out.pred_instances.scores > 0.3
    return out, out.pred_instances.bboxes[keep].numpy()


def test_tiled_run_matches_untiled(blob_detector, make_blob_image, data,
                                   monkeypatch):
    """A 300 x 400 image of 40 bright rectangles (6-16 px) and a stub inner
    detector (:class:`BlobDetector`: one box per bright blob of its input).

    Untiled, each scale is one input (800 x 600 and 400 x 300); with
    ``tile.size=128`` (overlap 56, margin 8 input px) they are 88 and 20
    tiles of at most 128 x 128. The blobs cut by a tile edge give partial
    boxes there; the wrapper drops them (border pruning of inner tile
    edges), finds each blob whole in an overlapping tile, and the final
    soft-NMS folds the duplicates of overlapping tiles and of the two
    scales. So the tiled run returns the untiled run's boxes: every box
    scored > 0.3 untiled has a tiled box with IoU > 0.7, and no more boxes
    (with ``border_margin=0`` the partial boxes survive: extra boxes)."""
    img, gt = make_blob_image(300, 400, 40)
    batch = lambda: data(300, 400, img=img)  # noqa: E731
    sizes = []
    real = tt_runner.crop_resize_tensor

    def spy(src, f, origin, shape, *a, **k):
        sizes.append(tuple(shape))
        return real(src, f, origin, shape, *a, **k)

    out0, ref = _run(blob_detector, batch(), None)
    assert sizes == []  # (spy not installed yet)
    assert len(ref) == len(gt)  # one box per rectangle, untiled
    assert _matched(gt, ref, 0.8).all()

    monkeypatch.setattr(tt_runner, 'crop_resize_tensor', spy)
    tile = dict(size=128, overlap=56, border_margin=8)
    out1, tiled = _run(blob_detector, batch(), tile)
    assert len(sizes) == 88 + 20 == len(tile_windows(600, 800, 128, 56)) + len(
        tile_windows(300, 400, 128, 56))
    assert max(max(s) for s in sizes) <= 128
    assert out1.pixels_processed > out0.pixels_processed
    assert out1.full_pyramid_pixels == out0.full_pyramid_pixels
    matched = _matched(ref, tiled)
    assert matched.all(), f'{matched.sum()} of {len(ref)}'
    assert len(tiled) == len(ref) and _matched(tiled, ref).all()

    _, unpruned = _run(blob_detector, batch(), dict(tile, border_margin=0))
    assert len(unpruned) > 1.5 * len(ref)  # partial boxes at tile edges
