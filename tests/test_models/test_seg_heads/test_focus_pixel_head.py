"""FocusPixel labels (spec 5.1), loss and predict of FocusPixelHead."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

import mmsniper  # noqa: F401
from mmsniper.models import FocusPixelHead, focus_pixel_labels


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


def _sample(boxes, ignored=()):
    s = DetDataSample(metainfo=dict(img_shape=(64, 64)))
    s.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        labels=torch.zeros(len(boxes), dtype=torch.long))
    s.ignored_instances = InstanceData(
        bboxes=torch.tensor(ignored, dtype=torch.float32).reshape(-1, 4),
        labels=torch.zeros(len(ignored), dtype=torch.long))
    return s


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
    for sample in (_sample([CUP], [TABLE]), _sample([], [CUP, TABLE])):
        labels = head.get_targets([head.chip_boxes(sample)], (32, 32))[0]
        assert int((labels == 1).sum()) == 12
        assert int((labels == -1).sum()) == 0


def test_chip_boxes_use_chip_focus_bboxes():
    """SnipChipCrop's ``chip_focus_bboxes`` (every box of the chip, in
    annotation order, those too small for the detector included) paint the
    labels when packed; without them the instances do."""
    head = FocusPixelHead(in_channels=4, feat_channels=4)
    s = _sample([[0, 0, 20, 20]], [[30, 30, 50, 50]])
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
    samples = [_sample([[0, 0, 20, 20]]), _sample([], [[30, 30, 50, 50]])]
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
    loss = head.loss(feats, [_sample([])])['loss_focus']
    assert loss > 0  # all cells negative


def test_bad_thresholds():
    with pytest.raises(ValueError, match='thresholds'):
        FocusPixelHead(dc_low=10, small_thresh=5)


def test_focus_faster_rcnn_loss_and_predict(repo_root):
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    from mmsniper.testing import tiny_focus_detector_cfg
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(tiny_focus_detector_cfg(repo_root))
    model.init_weights()
    inputs = torch.rand(2, 3, 64, 64) * 255
    samples = [_sample([[4, 4, 30, 30]], [[40, 40, 60, 60]]),
               _sample([[10, 10, 50, 40]])]
    for s in samples:
        s.set_metainfo(dict(batch_input_shape=(64, 64), pad_shape=(64, 64),
                            scale_factor=(1., 1.), ori_shape=(64, 64)))
    losses = model.loss(inputs, samples)
    assert {'loss_rpn_cls', 'loss_cls', 'loss_bbox', 'loss_focus'} <= set(
        losses)
    model.eval()
    with torch.no_grad():
        out = model.predict(inputs, samples)
    assert out[0].pred_focus_map.prob.shape == (1, 4, 4)
    assert 'bboxes' in out[0].pred_instances
    for s in samples:
        s.pop('pred_focus_map')
    with torch.no_grad():
        out = model.predict(inputs, samples, with_focus=False)
    assert 'pred_focus_map' not in out[1]


def test_focus_head_only_training(repo_root):
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    from mmsniper.testing import tiny_focus_detector_cfg
    init_default_scope('mmdet')
    cfg = tiny_focus_detector_cfg(repo_root)
    cfg.train_cfg.focus_head_only = True
    model = MODELS.build(cfg)
    model.train()
    assert not model.backbone.training and model.focus_head.training
    trainable = {n.split('.')[0] for n, p in model.named_parameters()
                 if p.requires_grad}
    assert trainable == {'focus_head'}
    samples = [_sample([[4, 4, 30, 30]])]
    samples[0].set_metainfo(dict(batch_input_shape=(64, 64)))
    losses = model.loss(torch.rand(1, 3, 64, 64), samples)
    assert set(losses) == {'loss_focus'}
    losses['loss_focus'].backward()
    assert model.backbone.conv1.weight.grad is None
