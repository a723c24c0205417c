"""FocusPixelHead: the boxes it paints (chip_focus_bboxes), forward, loss
and predict."""
import numpy as np
import pytest
import torch

import mmsniper  # noqa: F401
from mmsniper.models import FocusPixelHead
from mmsniper.testing import focus_sample

pytestmark = pytest.mark.usefixtures('single_thread')


def test_chip_boxes_use_chip_focus_bboxes():
    """SnipChipCrop's ``chip_focus_bboxes`` (every box of the chip, in
    annotation order, those too small for the detector included) paint the
    labels when packed; without them the instances do."""
    head = FocusPixelHead(in_channels=4, feat_channels=4)
    s = focus_sample([[0, 0, 20, 20]], [[30, 30, 50, 50]])
    tiny = [40., 0., 47., 7.]  # a = 7: a FocusPixel, under min_box_side
    focus = np.array([[30, 30, 50, 50], [0, 0, 20, 20], tiny], np.float32)
    fallback = head.get_targets([head.chip_boxes(s)], (4, 4))[0]
    assert fallback[0, 3] == 0
    s.set_metainfo(dict(chip_focus_bboxes=focus))
    np.testing.assert_array_equal(head.chip_boxes(s).numpy(), focus)
    labels = head.get_targets([head.chip_boxes(s)], (4, 4))[0]
    assert labels[0, 3] == 1  # only the tiny box touches cell (0, 3)
    head.use_ignored_instances = False  # valid boxes only
    assert head.chip_boxes(s).tolist() == [[0, 0, 20, 20]]


def test_chip_focus_bboxes_through_the_pipeline():
    from mmdet.datasets.transforms import PackDetInputs
    from mmdet.structures.bbox import HorizontalBoxes

    from mmsniper.datasets.transforms import SnipChipCrop

    def res():
        return dict(
            img=np.zeros((64, 64, 3), np.uint8),
            img_shape=(64, 64),
            gt_bboxes=HorizontalBoxes(
                torch.tensor([[2., 2., 22., 22.], [40., 0., 47., 7.],
                              [30., 30., 50., 50.]])),
            gt_bboxes_labels=np.zeros(3, np.int64),
            gt_ignore_flags=np.array([False, False, True]),  # 2: crowd
            chip=np.array([0, 0, 64, 64], np.float32),
            chip_factor=1.0,
            chip_valid_inds=np.array([0, 1], np.int64))

    for mode, n_focus in (('drop', 2), ('ignore', 3)):
        out = SnipChipCrop(min_box_side=10, flagged_boxes=mode)(res())
        sample = PackDetInputs(meta_keys=('img_shape', 'chip_focus_bboxes'))(
            out)['data_samples']
        assert len(sample.gt_instances) == 1  # the 7 px box is dropped
        boxes = FocusPixelHead(in_channels=4, feat_channels=4).chip_boxes(
            sample)
        assert len(boxes) == n_focus and boxes[1].tolist() == [40, 0, 47, 7]


def test_head_forward_loss_predict():
    torch.manual_seed(0)
    head = FocusPixelHead(in_channels=4, feat_channels=4, in_index=2)
    head.init_weights()
    feats = tuple(torch.rand(2, 4, 64 // s, 64 // s) for s in (4, 8, 16))
    out = head(feats)
    assert out['seg_preds'].shape == (2, 2, 4, 4)
    # one small gt; the ignored box (a = 20) also paints positives
    samples = [focus_sample([[0, 0, 20, 20]]), focus_sample([], [[30, 30, 50, 50]])]
    labels = head.get_targets([head.chip_boxes(s) for s in samples], (4, 4))
    assert labels[0, 0, 0] == 1 and labels[1, 2, 2] == 1
    assert labels[1, 0, 0] == 0
    losses = head.loss(feats, samples)
    assert losses['loss_focus'] > 0
    losses['loss_focus'].backward()
    # without the ignored boxes the second chip is all negative
    head.use_ignored_instances = False
    labels = head.get_targets([head.chip_boxes(s) for s in samples], (4, 4))
    assert (labels[1] == 0).all()
    probs = head.predict(feats, [dict(img_shape=(40, 64)),
                                 dict(img_shape=(64, 33))])
    assert probs[0].shape == (3, 4) and probs[1].shape == (4, 3)
    assert all(((p >= 0) & (p <= 1)).all() for p in probs)
    up = head.predict(feats, [dict(img_shape=(40, 64), ori_shape=(80, 128))],
                      rescale=True)
    assert up[0].shape == (80, 128)


def test_loss_skips_dont_care():
    head = FocusPixelHead(in_channels=4, feat_channels=4)
    logits = torch.zeros(1, 2, 2, 2)
    logits[0, 1, 0, 0] = 10.  # confident positive on cell (0, 0)
    labels = torch.tensor([[[1, -1], [-1, -1]]])
    loss = head.loss_by_feat(logits, labels)['loss_focus']
    expected = torch.nn.functional.cross_entropy(
        logits[0, :, 0, 0][None], torch.tensor([1]))
    assert torch.allclose(loss, expected, atol=1e-6)
    # changing a don't-care cell's logits changes nothing
    logits2 = logits.clone()
    logits2[0, 0, 1, 1] = 50.
    assert torch.allclose(head.loss_by_feat(logits2, labels)['loss_focus'],
                          loss)
    # normalised by the number of labelled cells
    labels = torch.tensor([[[1, 0], [-1, -1]]])
    both = head.loss_by_feat(logits, labels)['loss_focus']
    neg = torch.nn.functional.cross_entropy(
        logits[0, :, 0, 1][None], torch.tensor([0]))
    assert torch.allclose(both, (expected + neg) / 2, atol=1e-6)
    # all don't care: zero loss, still differentiable
    logits.requires_grad_(True)
    zero = head.loss_by_feat(logits, torch.full((1, 2, 2), -1))['loss_focus']
    assert zero.item() == 0
    zero.backward()


def test_empty_gt_loss():
    head = FocusPixelHead(in_channels=4, feat_channels=4, in_index=0)
    feats = (torch.rand(1, 4, 4, 4), )
    loss = head.loss(feats, [focus_sample([])])['loss_focus']
    assert loss > 0  # all cells negative


def test_bad_thresholds():
    with pytest.raises(ValueError, match='thresholds'):
        FocusPixelHead(dc_low=10, small_thresh=5)

