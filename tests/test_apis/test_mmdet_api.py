"""mmdet's own Python API on the test-time leaf configs (random weights,
CPU, small images): ``init_detector`` builds the wrapper and loads the
training checkpoint into its inner detector, ``inference_detector`` and
``DetInferencer`` return the wrapper's detections with its pixel counts;
the errors name what to change (``tta_config``: test_tta.py)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.apis import DetInferencer, inference_detector, init_detector
from mmdet.structures import DetDataSample
from mmengine.config import Config

import mmsniper  # noqa: F401
from mmsniper.chips.scales import scale_factor, scaled_size
from mmsniper.models import AutoFocusDetector, SniperMultiScaleTTA

AF_LEAF = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_autofocus-test.py'  # noqa: E501
AF_PYRAMID_LEAF = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_pyramid-test.py'  # noqa: E501
SNIPER_LEAF = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_pyramid-test.py'  # noqa: E501

#: leaf config -> (wrapper, inner detector, checkpoint fixture)
LEAVES = {
    'autofocus': (AF_LEAF, AutoFocusDetector, 'FocusFasterRCNN', 'af_ckpt'),
    'af-pyramid': (AF_PYRAMID_LEAF, SniperMultiScaleTTA, 'FocusFasterRCNN',
                   'af_ckpt'),
    'sniper-pyramid': (SNIPER_LEAF, SniperMultiScaleTTA, 'FasterRCNN',
                       'sniper_ckpt'),
}


def _img(h=240, w=320, seed=0):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), np.uint8)


def _full_pyramid(model, shape):
    """Pixels of the whole image at every scale of ``model``."""
    total, factors = 0, []
    for spec in model.scales:
        f = scale_factor(spec, shape)
        if isinstance(model, AutoFocusDetector) and factors:
            f = max(f, factors[-1])  # AutoFocus: non-decreasing factors
        factors.append(f)
        h, w = scaled_size(shape, f)
        total += h * w
    return total, factors


def _check_sample(res, model, shape):
    assert isinstance(res, DetDataSample)
    inst = res.pred_instances
    assert inst.bboxes.shape[1] == 4 and len(inst.scores) == len(inst.bboxes)
    assert len(inst.bboxes) > 0  # random weights still give candidates
    # boxes in original-image pixels
    assert float(inst.bboxes[:, 2].max()) <= shape[1] + 1e-3
    assert float(inst.bboxes[:, 3].max()) <= shape[0] + 1e-3
    full, factors = _full_pyramid(model, shape)
    assert res.full_pyramid_pixels == full
    assert res.scale_factors == pytest.approx(factors)
    assert res.pixels_processed == sum(res.pixels_per_scale)
    if isinstance(model, AutoFocusDetector):
        chips = res.focus_chips
        assert len(chips) == len(model.scales)
        # the coarsest scale sees the whole image, and only it
        np.testing.assert_allclose(chips[0], [[0, 0, shape[1], shape[0]]])
        h, w = scaled_size(shape, factors[0])
        assert res.pixels_per_scale[0] == h * w
        # disjoint chips (a partial chip's side is rounded, not floored)
        assert 0 < res.pixels_processed <= 1.02 * full
        fmap = res.pred_focus_map
        assert fmap.prob.dim() == 3 and fmap.prob.shape[0] == 1
        assert 0 <= float(fmap.prob.min()) <= float(fmap.prob.max()) <= 1
    else:
        assert 'focus_chips' not in res
        assert res.pixels_processed == full


@pytest.mark.parametrize('leaf', list(LEAVES))
def test_init_detector_and_inference_detector(leaf, repo_root, request):
    config, wrapper, inner, ckpt_fixture = LEAVES[leaf]
    ckpt, state = request.getfixturevalue(ckpt_fixture)
    model = init_detector(osp.join(repo_root, config), ckpt, device='cpu')
    assert type(model) is wrapper
    assert type(model.module).__name__ == inner
    # the training checkpoint (no `module.` prefix) fills the inner detector
    loaded = model.module.state_dict()
    assert set(loaded) == set(state)
    assert all(torch.equal(loaded[k], state[k]) for k in state)
    # class names from the checkpoint's meta (not mmdet's COCO fallback)
    assert model.dataset_meta['classes'][0] == 'red_disk'
    # budgets of the `sniper` block, copied by the leaf config
    block = Config.fromfile(osp.join(repo_root, config)).sniper
    assert model.rpn_budget.per_mpix == block.test_rpn_budget.per_mpix
    assert model.det_budget.max == block.test_det_budget.max

    one = inference_detector(model, _img())
    _check_sample(one, model, (240, 320))
    two = inference_detector(model, [_img(), _img(160, 200, seed=1)])
    assert isinstance(two, list) and len(two) == 2
    _check_sample(two[1], model, (160, 200))
    # deterministic: the first image alone and in the list agree
    torch.testing.assert_close(two[0].pred_instances.bboxes,
                               one.pred_instances.bboxes)


@pytest.mark.filterwarnings(  # DetInferencer's visualizer, no out_dir
    'ignore:Failed to add .*LocalVisBackend.*save_dir:UserWarning')
def test_det_inferencer_matches_inference_detector(repo_root, af_ckpt):
    ckpt, _ = af_ckpt
    config = osp.join(repo_root, AF_LEAF)
    inferencer = DetInferencer(model=config, weights=ckpt, device='cpu')
    assert type(inferencer.model) is AutoFocusDetector
    img = _img()
    out = inferencer(img, return_datasamples=True)
    sample = out['predictions'][0]
    _check_sample(sample, inferencer.model, (240, 320))
    ref = inference_detector(init_detector(config, ckpt, device='cpu'), img)
    torch.testing.assert_close(sample.pred_instances.bboxes,
                               ref.pred_instances.bboxes)
    torch.testing.assert_close(sample.pred_instances.scores,
                               ref.pred_instances.scores)
    assert sample.focus_chips[1].shape == ref.focus_chips[1].shape
    # the plain dict output of mmdet's demo
    pred = inferencer(img)['predictions'][0]
    assert len(pred['bboxes']) == len(ref.pred_instances)
    np.testing.assert_allclose(pred['scores'],
                               ref.pred_instances.scores.numpy(), rtol=1e-5)


@pytest.mark.parametrize('leaf', ['autofocus', 'af-pyramid'])
def test_mapped_image_gives_the_decoded_images_results(leaf, repo_root,
                                                       af_ckpt, tmp_path):
    """``LoadMappedImage`` first in the test pipeline: a ``.npy`` scene is
    mapped and gives exactly the detections of the file it was made from."""
    import cv2

    from mmsniper.fileio import convert_to_mapped
    ckpt, _ = af_ckpt
    png = str(tmp_path / 'scene.png')
    cv2.imwrite(png, _img())
    npy = convert_to_mapped(png)
    model = init_detector(osp.join(repo_root, LEAVES[leaf][0]), ckpt,
                          device='cpu')
    ref = inference_detector(model, png)
    pipeline = model.cfg.test_dataloader.dataset.pipeline
    assert pipeline[0].type == 'LoadImageFromFile'
    pipeline[0].type = 'LoadMappedImage'
    out = inference_detector(model, npy)
    _check_sample(out, model, (240, 320))
    torch.testing.assert_close(out.pred_instances.bboxes,
                               ref.pred_instances.bboxes)
    torch.testing.assert_close(out.pred_instances.scores,
                               ref.pred_instances.scores)
    assert out.pixels_processed == ref.pixels_processed
    assert inference_detector(model, png).pixels_processed == \
        ref.pixels_processed  # other files still decode


def test_wrapper_checkpoint_loads_too(repo_root, af_ckpt, tmp_path):
    """A state_dict saved from the wrapper (``module.`` prefix) loads the
    same weights as the training checkpoint (mmengine strips the prefix
    and loads into ``module``)."""
    ckpt, state = af_ckpt
    model = init_detector(osp.join(repo_root, AF_LEAF), ckpt, device='cpu')
    path = str(tmp_path / 'wrapper.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    assert all(k.startswith('module.') for k in torch.load(path)['state_dict'])
    # a bare state_dict has no meta: mmdet says so and falls back to COCO's
    with pytest.warns(UserWarning, match='dataset_meta or class names'):
        again = init_detector(osp.join(repo_root, AF_LEAF), path,
                              device='cpu')
    loaded = again.module.state_dict()
    assert all(torch.equal(loaded[k], state[k]) for k in state)


def test_autofocus_refuses_checkpoint_without_focus_head(repo_root,
                                                         sniper_ckpt):
    ckpt, _ = sniper_ckpt  # a SNIPER Faster R-CNN: no focus_head.*
    with pytest.raises(RuntimeError, match='FocusPixel head weights'):
        init_detector(osp.join(repo_root, AF_LEAF), ckpt, device='cpu')
    # the pyramid needs no FocusPixel head
    model = init_detector(osp.join(repo_root, SNIPER_LEAF), ckpt,
                          device='cpu')
    assert type(model) is SniperMultiScaleTTA
