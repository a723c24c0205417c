# Copyright (c) mmsniper contributors. All rights reserved.
"""Scale statistics of a COCO dataset
(:mod:`mmsniper.datasets.synthetic.scale_stats`) on hand-made COCO dicts."""
import json
import math

import numpy as np

from mmsniper.datasets.synthetic.scale_stats import (SIZE_BINS, _cell_share,
                                               dataset_stats, format_stats,
                                               size_bin_labels, split_stats)

#: Image 1 (100 x 100): boxes of side 4, 10 and 30 (30 x 30 as 20 x 45);
#: image 2: no box.
COCO = dict(
    images=[dict(id=1, width=100, height=100),
            dict(id=2, width=50, height=60)],
    annotations=[
        dict(image_id=1, bbox=[0, 0, 4, 4]),
        dict(image_id=1, bbox=[10, 10, 10, 10]),
        dict(image_id=1, bbox=[20, 20, 20, 45]),
    ])


def test_size_bin_labels():
    assert size_bin_labels() == ['<8', '8-16', '16-32', '32-64', '64-128',
                                 '128-256', '256-600', '>600']
    assert len(size_bin_labels()) == len(SIZE_BINS) - 1


def test_split_stats_by_hand():
    s = split_stats(COCO, cell=50)
    assert (s['num_images'], s['num_boxes']) == (2, 3)
    assert s['boxes_per_image'] == (1.5, 0, 3)
    np.testing.assert_array_equal(s['counts'], [3, 0])
    np.testing.assert_allclose(s['sizes'], [4, 10, 30])
    assert s['size_hist'] == [1, 1, 1, 0, 0, 0, 0, 0]
    assert s['small_share'] == 1.0
    # centres (2, 2), (15, 15), (30, 42.5): one of the four 50 px cells
    assert s['small_area_share'] == 0.25
    assert 0.25 <= s['uniform_area_share'] <= 1
    nn = [math.sqrt(13**2 * 2)] * 2 + [math.sqrt(15**2 + 27.5**2)]
    expect = np.mean(nn) / (0.5 * math.sqrt(100 * 100 / 3))
    assert math.isclose(s['clark_evans'], expect, rel_tol=1e-9)
    # small_size 10: only the 4 px box is small
    s = split_stats(COCO, small_size=10, cell=50)
    assert s['small_share'] == 1 / 3
    assert math.isnan(s['small_area_share'])  # fewer than 3 small boxes
    assert math.isnan(s['clark_evans'])


def test_split_stats_of_an_empty_dataset():
    s = split_stats(dict(images=[], annotations=[]))
    assert (s['num_images'], s['num_boxes']) == (0, 0)
    assert s['boxes_per_image'] == (0.0, 0, 0)
    assert s['sizes'].size == 0 and s['size_hist'] == [0] * 8
    for k in ('small_share', 'small_area_share', 'uniform_area_share',
              'clark_evans'):
        assert math.isnan(s[k]), k
    # images without boxes
    s = split_stats(dict(images=COCO['images'], annotations=[]))
    assert s['num_images'] == 2 and s['boxes_per_image'] == (0.0, 0, 0)


def test_cell_share_takes_the_densest_cells_first():
    centres = np.array([[10, 10]] * 6 + [[60, 10]] * 3 + [[10, 60]],
                       dtype=float)
    # cells of 6, 3, 1 and 0 centres: 8 of 10 need the two densest
    assert _cell_share(centres, 100, 100, 50) == 0.5
    assert _cell_share(centres, 100, 100, 50, cover=0.5) == 0.25
    assert _cell_share(centres, 100, 100, 50, cover=1.0) == 0.75
    # a centre on the far edge belongs to the last cell
    assert _cell_share(np.array([[100., 100.]]), 100, 100, 50) == 0.25


def test_dataset_stats_and_format(tmp_path):
    path = tmp_path / 'val.json'
    path.write_text(json.dumps(COCO))
    stats = dataset_stats({'val': str(path)}, cell=50)
    assert list(stats) == ['val']
    assert stats['val']['size_hist'] == [1, 1, 1, 0, 0, 0, 0, 0]
    assert stats['val']['small_area_share'] == 0.25
    lines = format_stats(stats).split('\n')
    assert len(lines) == 3
    assert lines[0] == ('[val] 2 images, 3 boxes, boxes/image mean 1.5 '
                        '(min 0, max 3)')
    assert lines[1] == ('  sqrt(area) px  <8: 1 (33%)  8-16: 1 (33%)  '
                        '16-32: 1 (33%)  32-64: 0 (0%)  64-128: 0 (0%)  '
                        '128-256: 0 (0%)  256-600: 0 (0%)  >600: 0 (0%)')
    assert lines[2].startswith('  small (<64 px): 100% of boxes, 80% of '
                               'them in 25% of the image area (uniform '
                               'placement: ')
    assert lines[2].endswith(
        f'Clark-Evans {stats["val"]["clark_evans"]:.2f} (1 = uniform)')
