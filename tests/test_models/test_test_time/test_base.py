"""What the test-time wrappers share (base.py): ChipTestMixin's settings,
input unpacking, merge and packing, on hand-made candidates (no detector
runs)."""
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import HorizontalBoxes
from mmengine.model import BaseDataPreprocessor
from mmengine.structures import InstanceData

from mmsniper.models.test_time import Budget
from mmsniper.models.test_time.base import ChipTestMixin


class _Host(ChipTestMixin):
    """A wrapper without an inner detector: ChipTestMixin's own code."""

    def __init__(self, **cfg) -> None:
        self.data_preprocessor = BaseDataPreprocessor()
        self._init_runner(cfg, 'x')


def _dets(*jobs):
    """``(bboxes, scores, labels)`` per job from ``[(box, score, label),
    ...]``."""
    return [(torch.tensor([b for b, _, _ in job], dtype=torch.float32),
             torch.tensor([s for _, s, _ in job]),
             torch.tensor([c for _, _, c in job])) for job in jobs]


def test_settings_and_defaults():
    r = _Host()
    assert r.nms_cfg == 'default' and r.chips_per_batch == [1]
    assert r.rpn_budget is None and r.det_budget is None
    assert (r.max_per_img, r.max_per_mpix, r.score_floor) == (200, None,
                                                              1e-3)
    assert r.tile == dict(size=2048, overlap=256, border_margin=8.)
    assert r.with_mask is False and r.mask_thr == 0.5
    r = _Host(chips_per_batch=(2, 4), rpn_budget=dict(per_mpix=10, max=7),
              max_per_img='50', score_floor='0.1')
    assert [r.batch_size(s) for s in range(4)] == [2, 4, 4, 4]
    assert isinstance(r.rpn_budget, Budget) and r.rpn_budget(1e9) == 7
    assert r.max_per_img == 50 and r.score_floor == 0.1
    for bad in (0, [], [2, 0]):
        with pytest.raises(ValueError,
                           match=r'x\.chips_per_batch must be >= 1'):
            _Host(chips_per_batch=bad)
    with pytest.raises(ValueError, match=r'x\.with_mask=True but the inner '
                       'detector NoneType has no mask head'):
        _Host(with_mask=True)


def test_merge_applies_the_cap():
    r = _Host(nms=None, max_per_img=10, max_per_mpix=100)
    scores = torch.linspace(1, 0.01, 1000)
    dets = [(torch.rand(1000, 4), scores, torch.zeros(1000,
                                                      dtype=torch.long))]
    assert len(r.merge(dets, 0.05e6)[1]) == 10
    b, s, lab = r.merge(dets, 0.5e6)
    assert len(s) == 50 and torch.equal(s, scores[:50])
    empty = r.merge([], 1e6)
    assert [tuple(t.shape) for t in empty] == [(0, 4), (0, ), (0, )]


def test_merge_without_nms_sorts_all_jobs_and_indexes():
    r = _Host(nms=None, max_per_img=2)
    dets = _dets([([0, 0, 1, 1], 0.2, 0), ([0, 0, 2, 2], 0.9, 1)],
                 [([0, 0, 3, 3], 0.5, 2)])
    b, s, lab, idx = r.merge(dets, 100., return_index=True)
    assert b.tolist() == [[0, 0, 2, 2], [0, 0, 3, 3]]
    assert s.tolist() == pytest.approx([0.9, 0.5])
    assert lab.tolist() == [1, 2] and idx.tolist() == [1, 2]
    empty = r.merge([], 100., return_index=True)
    assert [tuple(t.shape) for t in empty] == [(0, 4), (0, ), (0, ), (0, )]
    assert empty[2].dtype == torch.long and empty[3].dtype == torch.long


def test_merge_with_nms_is_per_class():
    r = _Host(nms=dict(type='nms', iou_threshold=0.5))
    # IoU of the first two: 90 / 110; the third is another class
    dets = _dets([([0, 0, 10, 10], 0.9, 0)],
                 [([1, 0, 11, 10], 0.8, 0), ([1, 0, 11, 10], 0.7, 1)])
    b, s, lab, idx = r.merge(dets, 100., return_index=True)
    assert s.tolist() == pytest.approx([0.9, 0.7])
    assert lab.tolist() == [0, 1] and idx.tolist() == [0, 2]
    assert b.tolist() == [[0, 0, 10, 10], [1, 0, 11, 10]]


def test_merge_image_gathers_the_survivors_maps():
    r = _Host(nms=None, max_per_img=2)
    dets = _dets([([0, 0, 1, 1], 0.2, 0), ([0, 0, 2, 2], 0.9, 0)],
                 [([0, 0, 3, 3], 0.5, 0)])
    assert r.merge_image(dets, (10, 10))[3] is None  # no masks
    r.with_mask = True
    maps = [torch.arange(2.)[:, None, None].expand(2, 2, 2),
            torch.full((1, 2, 2), 7.)]
    dets = [d + (m, ) for d, m in zip(dets, maps)]
    b, s, lab, got = r.merge_image(dets, (10, 10))
    assert s.tolist() == pytest.approx([0.9, 0.5])
    assert got.tolist() == [[[1., 1.], [1., 1.]], [[7., 7.], [7., 7.]]]


def _sample():
    s = DetDataSample(metainfo=dict(ori_shape=(20, 40), img_shape=(10, 20)))
    s.gt_instances = InstanceData(
        bboxes=HorizontalBoxes(torch.tensor([[0., 0., 4., 4.]])),
        labels=torch.tensor([0]))
    return s


def test_pack_rescales_to_ori_shape_and_converts_gt_boxes():
    args = (torch.tensor([[1., 1., 3., 3.]]), torch.tensor([0.5]),
            torch.tensor([3]))
    out = ChipTestMixin.pack(_sample(), (10, 20), *args, rescale=True,
                             extra_meta=dict(pixels_processed=7))
    assert out.pred_instances.bboxes.tolist() == [[2., 2., 6., 6.]]
    assert out.pred_instances.scores.tolist() == [0.5]
    assert out.pred_instances.labels.tolist() == [3]
    assert out.pixels_processed == 7 and 'masks' not in out.pred_instances
    assert type(out.gt_instances.bboxes) is torch.Tensor
    assert out.gt_instances.bboxes.tolist() == [[0., 0., 4., 4.]]
    same = ChipTestMixin.pack(_sample(), (10, 20), *args, rescale=False,
                              extra_meta={})
    assert same.pred_instances.bboxes.tolist() == [[1., 1., 3., 3.]]


def test_pack_pastes_masks_in_the_image_the_boxes_end_in():
    args = (torch.tensor([[1., 1., 3., 3.]]), torch.tensor([0.5]),
            torch.tensor([0]))
    out = ChipTestMixin.pack(_sample(), (10, 20), *args, rescale=True,
                             extra_meta={}, masks=torch.ones(1, 4, 4),
                             with_mask=True)
    masks = out.pred_instances.masks
    assert masks.img_shape == (20, 40)
    want = np.zeros((1, 20, 40), np.uint8)
    want[0, 2:6, 2:6] = 1  # the box [2, 2, 6, 6] of the original image
    assert (masks.astype(np.uint8) == want).all()
    # no survivor: no maps
    empty = (torch.zeros(0, 4), torch.zeros(0), torch.zeros(0).long())
    none = ChipTestMixin.pack(_sample(), (10, 20), *empty, rescale=False,
                              extra_meta={}, masks=None, with_mask=True)
    assert len(none.pred_instances.masks) == 0
    assert none.pred_instances.masks.img_shape == (10, 20)


def test_unpack_plain_and_test_time_aug_inputs():
    r = _Host()
    img = torch.arange(2 * 3 * 4, dtype=torch.uint8).reshape(2, 3, 4)
    samples = [DetDataSample(metainfo=dict(img_id=k)) for k in range(2)]
    images, got, augs = r._unpack(dict(inputs=[img, img[:1, :2, :2]],
                                       data_samples=samples))
    assert [tuple(i.shape) for i in images] == [(2, 3, 4), (1, 2, 2)]
    assert torch.equal(images[0], img) and augs is None
    assert [s.img_id for s in got] == [0, 1]
    # a (N, C, H, W) batch, and (H, W) images get a channel dimension
    images, _, _ = r._unpack(dict(inputs=torch.stack([img, img]),
                                  data_samples=samples))
    assert len(images) == 2 and torch.equal(images[1], img)
    images, _, _ = r._unpack(dict(inputs=[img[0]], data_samples=samples[:1]))
    assert tuple(images[0].shape) == (1, 3, 4)
    # TestTimeAug: [[aug 0 of each image], [aug 1 ...]]
    half = img[:, :1, :2]
    images, got, augs = r._unpack(dict(
        inputs=[[img], [half]], data_samples=[[samples[0]], [samples[1]]]))
    assert torch.equal(images[0], img) and [s.img_id for s in got] == [0]
    assert len(augs) == 2 and torch.equal(augs[1][0][0], half)
    assert [s.img_id for s in augs[1][1]] == [1]


def test_unpack_refuses_other_inputs():
    r = _Host()
    with pytest.raises(TypeError, match=r"_Host\.test_step expects a dict "
                       r"with 'inputs'.*got list"):
        r._unpack([torch.zeros(3, 4, 4)])
    with pytest.raises(ValueError, match=r'expected images \(C, H, W\), got '
                       r'shape \(3, 0, 4\)'):
        r._unpack(dict(inputs=[torch.zeros(3, 0, 4)],
                       data_samples=[DetDataSample()]))
