"""PackImageView: PackDetInputs' output with the image as a view."""
import numpy as np
import pytest
import torch
from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import TRANSFORMS
from mmdet.structures.bbox import HorizontalBoxes

import mmsniper  # noqa: F401

META = ('img_id', 'img_path', 'ori_shape', 'img_shape')


def _results(img):
    return dict(
        img=img, img_id=7, img_path='x.jpg', ori_shape=img.shape[:2],
        img_shape=img.shape[:2],
        gt_bboxes=HorizontalBoxes(torch.tensor([[1., 2., 9., 12.],
                                                [3., 3., 5., 6.]])),
        gt_bboxes_labels=np.array([0, 2], np.int64),
        gt_ignore_flags=np.array([False, True]))


@pytest.mark.parametrize('shape', [(17, 23, 3), (5, 9), (1, 1, 3)])
def test_same_as_pack_det_inputs_without_a_copy(shape):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, shape, dtype=np.uint8)
    ref = PackDetInputs(meta_keys=META)(_results(img.copy()))
    out = TRANSFORMS.build(dict(type='PackImageView', meta_keys=META))(
        _results(img))
    assert out['inputs'].shape == ref['inputs'].shape
    assert out['inputs'].dtype == ref['inputs'].dtype == torch.uint8
    assert torch.equal(out['inputs'], ref['inputs'])
    # the decoded array's memory, not a copy of it
    assert out['inputs'].data_ptr() == img.ctypes.data
    img[0, 0] = 255 - img[0, 0]
    assert int(out['inputs'][0, 0, 0]) == int(np.atleast_3d(img)[0, 0, 0])
    s, r = out['data_samples'], ref['data_samples']
    assert s.metainfo == r.metainfo
    assert torch.equal(s.gt_instances.bboxes.tensor,
                       r.gt_instances.bboxes.tensor)
    assert torch.equal(s.ignored_instances.labels, r.ignored_instances.labels)


def test_read_only_image_is_copied_without_a_warning(recwarn):
    img = np.zeros((4, 6, 3), np.uint8)
    img.flags.writeable = False
    out = TRANSFORMS.build(dict(type='PackImageView'))(_results(img))
    assert out['inputs'].shape == (3, 4, 6)
    assert not [w for w in recwarn if 'not writable' in str(w.message)]


def test_non_array_image_is_an_error():
    res = _results(np.zeros((4, 6, 3), np.uint8))
    res['img'] = torch.zeros(4, 6, 3, dtype=torch.uint8)
    with pytest.raises(TypeError, match='numpy array.*x.jpg'):
        TRANSFORMS.build(dict(type='PackImageView'))(res)


def test_no_image_packs_the_samples():
    res = _results(np.zeros((4, 6, 3), np.uint8))
    del res['img']
    out = TRANSFORMS.build(dict(type='PackImageView'))(res)
    assert 'inputs' not in out and len(out['data_samples'].gt_instances) == 1
