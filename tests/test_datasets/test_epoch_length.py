"""mmsniper.datasets.epoch_length: the fixed epoch length over a chip
count that changes."""
import numpy as np

from mmsniper.datasets.epoch_length import epoch_index, epoch_stats


def test_epoch_index_cuts_and_repeats():
    cut = epoch_index(10, 4, seed=0, epoch=1)
    assert len(cut) == 4 and len(set(cut.tolist())) == 4
    assert set(cut.tolist()) <= set(range(10))
    full = epoch_index(5, 8, seed=0, epoch=1)
    assert len(full) == 8 and set(full.tolist()) == set(range(5))
    np.testing.assert_array_equal(full, epoch_index(5, 8, seed=0, epoch=1))
    assert not np.array_equal(epoch_index(50, 50, 0, 1),
                              epoch_index(50, 50, 0, 2))


def test_epoch_stats():
    chips = dict(img=np.array([0, 0, 2]), neg=np.array([False, True, False]),
                 scale=np.array([0, 1, 1]),
                 pixels=np.array([100., 50., 30.]))
    s = epoch_stats(chips, epoch=3, num_images=4, length=5)
    assert s == dict(epoch=3, num_images=4, images_with_chips=2,
                     num_chips=3, num_pos_chips=2, num_neg_chips=1,
                     chips_per_scale=[1, 2], epoch_length=5, dropped=0,
                     repeated=2, pixels_per_image=90.0)
