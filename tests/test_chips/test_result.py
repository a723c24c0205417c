# Copyright (c) mmsniper contributors. All rights reserved.
"""ChipResult (:mod:`mmsniper.chips.result`): the counts, the boxes and
ignore flags of a chip, the pixel counts, ``select`` renumbering the
assignments, and the repr, on a hand-made result and on generated chips."""
import numpy as np

from mmsniper.chips import ChipResult, generate_chips


def _ints(*values):
    return np.array(values, dtype=np.int64)


def _result() -> ChipResult:
    """Three chips of a 150 x 200 image, two scales (factors 1 and 0.5):
    two positive chips at scale 0, one negative chip at scale 1 whose
    resized content (60 x 120) is wider than the 100 px chip; four boxes,
    the last one dropped."""
    chips = np.array([[0, 0, 100, 100], [50, 0, 150, 100], [0, 0, 240, 120]],
                     np.float32)
    return ChipResult(
        chips=chips,
        chips_scaled=chips.astype(np.int32),
        scale_inds=_ints(0, 0, 1),
        factors=np.array([1., 1., .5]),
        is_negative=np.array([False, False, True]),
        chip_shapes=np.array([[100, 100], [100, 80], [60, 120]], np.int64),
        valid_inds=[_ints(2, 0), _ints(1), _ints()],
        invalid_inds=[_ints(1), _ints(3, 0), _ints()],
        gt_valid=np.array([[True, False], [True, False], [True, False],
                           [False, False]]),
        gt_chip=np.array([[0, -1], [1, -1], [0, -1], [-1, -1]], np.int64),
        gt_dropped=np.array([False, False, False, True]),
        factors_per_scale=np.array([1., .5]),
        scaled_shapes=np.array([[150, 200], [75, 100]], np.int64),
        img_shape=(150, 200),
        chip_size=100,
        stride=32,
        num_neg_candidates=4,
        extra=dict(tag='x'))


def test_counts():
    res = _result()
    assert len(res) == 3 and res.num_pos == 2 and res.num_neg == 1
    assert isinstance(res.num_pos, int) and isinstance(res.num_neg, int)


def test_gt_ignore_flags_sorted_by_box():
    res = _result()
    inds, ignore = res.gt_ignore_flags(0)  # valid 2, 0; invalid 1
    assert inds.tolist() == [0, 1, 2] and ignore.tolist() == [False, True,
                                                              False]
    assert inds.dtype == np.int64 and ignore.dtype == bool
    inds, ignore = res.gt_ignore_flags(1)  # valid 1; invalid 3, 0
    assert inds.tolist() == [0, 1, 3] and ignore.tolist() == [True, False,
                                                              True]
    inds, ignore = res.gt_ignore_flags(2)  # a negative chip: no boxes
    assert inds.shape == (0, ) and ignore.shape == (0, )


def test_pixels_padded_and_content():
    res = _result()
    # padded: 100 * 100 + 100 * 100 + 100 * 120 (wider than the chip)
    assert res.pixels() == 32000.
    # content: 100 * 100 + 100 * 80 + 60 * 120
    assert res.pixels(padded=False) == 25200.
    # the pyramid: 150 * 200 + 75 * 100
    assert res.pyramid_pixels() == 37500.


def test_select_renumbers_the_assignments():
    res = _result()
    sub = res.select(np.array([False, True, True]))
    assert sub.chips.tolist() == res.chips[1:].tolist() and len(sub) == 2
    assert sub.scale_inds.tolist() == [0, 1] and sub.num_neg == 1
    assert [v.tolist() for v in sub.valid_inds] == [[1], []]
    assert [v.tolist() for v in sub.invalid_inds] == [[3, 0], []]
    # boxes 0 and 2 were on the dropped chip 0; box 1 was on chip 1 -> 0
    assert sub.gt_chip.tolist() == [[-1, -1], [0, -1], [-1, -1], [-1, -1]]
    assert sub.extra == dict(tag='x') and sub.extra is not res.extra
    assert sub.num_neg_candidates == 4 and sub.img_shape == (150, 200)
    # indices, reordered
    sub = res.select(np.array([2, 0]))
    assert sub.chips.tolist() == [res.chips[2].tolist(),
                                  res.chips[0].tolist()]
    assert sub.gt_chip.tolist() == [[1, -1], [-1, -1], [1, -1], [-1, -1]]
    # nothing
    none = res.select(np.zeros(3, bool))
    assert len(none) == 0 and none.num_pos == 0 and none.pixels() == 0.
    assert (none.gt_chip == -1).all()
    # the original is unchanged
    assert res.gt_chip.tolist() == [[0, -1], [1, -1], [0, -1], [-1, -1]]


def test_repr_and_default_extra():
    assert repr(_result()) == (
        'ChipResult(img_shape=(150, 200), chip_size=100, stride=32, '
        'pos_per_scale=[2, 0], num_neg=1, num_gt=4)')
    a = ChipResult(*([None] * 16))
    b = ChipResult(*([None] * 16))
    assert a.extra == {} and a.extra is not b.extra
    assert a.num_neg_candidates == 0


def test_result_helpers_on_generated_chips():
    gt = np.array([[100, 100, 130, 120], [400, 300, 700, 560],
                   [110, 105, 200, 118]], np.float32)
    res = generate_chips(gt, (800, 1000), seed=0)
    assert res.num_pos == len(res) and res.num_neg == 0
    assert res.pixels() == len(res) * 512 * 512
    assert res.scale_inds.tolist() == [0, 1, 2]  # box 2 is valid twice
    assert res.pixels(padded=False) == 2 * 512 * 512 + 409 * 512
    assert res.pyramid_pixels() == 2400 * 3000 + 1333 * 1667 + 409 * 512
    sub = res.select(res.scale_inds == 2)
    assert len(sub) == 1 and sub.valid_inds[0].tolist() == [1]
    assert sub.gt_chip[1, 2] == 0 and sub.gt_chip[0, 0] == -1
