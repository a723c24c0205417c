# Copyright (c) mmsniper contributors. All rights reserved.
"""``--tta`` as a function (:mod:`mmsniper.apis.tta`): ``is_tta_model``,
``tta_config`` on hand-made configs (the wrapper around the model, the
backbone stub, the pipeline swap, the ``sniper`` block written in, the
input left alone, the errors) and on the shipped training configs (their
leaf configs)."""
import os.path as osp

import pytest
from mmdet.apis import init_detector
from mmengine.config import Config

import mmsniper  # noqa: F401
from mmsniper.apis import is_tta_model, tta_config
from mmsniper.apis.tta import STUB_TYPES, WRAPPER_TYPES
from mmsniper.engine import resolve_sniper_block

AF_TRAIN = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
AF_LEAF = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_autofocus-test.py'  # noqa: E501
SNIPER_TRAIN = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
SNIPER_LEAF = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_pyramid-test.py'  # noqa: E501
PLAIN = 'configs/synthetic/faster-rcnn_r18-w16_fpn_quickstart_synthetic.py'

TEST_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='PackDetInputs')]
TTA_PIPELINE = [dict(type='LoadImageFromFile'),
                dict(type='TestTimeAug', transforms=[])]


def _cfg(tta_model=dict(type='SniperMultiScaleTTA'), **kw) -> Config:
    """A training config: a FasterRCNN, a test pipeline, ``tta_model`` and
    ``tta_pipeline`` (either left out when passed None)."""
    cfg = dict(model=dict(type='FasterRCNN', backbone=dict(type='ResNet')),
               test_dataloader=dict(dataset=dict(pipeline=TEST_PIPELINE)),
               tta_model=tta_model, tta_pipeline=TTA_PIPELINE)
    cfg.update(kw)
    return Config({k: v for k, v in cfg.items() if v is not None})


@pytest.mark.parametrize('model,expected', [
    (dict(type='SniperMultiScaleTTA'), True),
    (dict(type='AutoFocusDetector'), True),
    (dict(type='OracleAutoFocusDetector'), True),
    (dict(type='mmdet.DetTTAModel'), True),  # the scope is ignored
    (dict(type='FasterRCNN'), False),
    (dict(type='FocusFasterRCNN'), False),
    (dict(), False),  # no type
])
def test_is_tta_model(model, expected):
    assert is_tta_model(model) is expected
    assert set(STUB_TYPES) < set(WRAPPER_TYPES)


def test_tta_config_wraps_the_model_and_swaps_the_pipeline():
    cfg = _cfg()
    out = tta_config(cfg)
    assert out.model.type == 'SniperMultiScaleTTA'
    assert out.model.module.to_dict() == dict(type='FasterRCNN',
                                              backbone=dict(type='ResNet'))
    assert out.model.backbone == {}  # the stub init_detector reads
    assert out.test_dataloader.dataset.pipeline == TTA_PIPELINE
    # the input is left as it is, and shares nothing with the output
    assert cfg.model.type == 'FasterRCNN' and 'module' not in cfg.model
    assert cfg.test_dataloader.dataset.pipeline == TEST_PIPELINE
    out.model.module.backbone.type = 'changed'
    out.test_dataloader.dataset.pipeline.append(dict(type='X'))
    assert cfg.model.backbone.type == 'ResNet'
    assert cfg.test_dataloader.dataset.pipeline == TEST_PIPELINE


def test_tta_config_backbone_stub_only_for_our_wrappers():
    # mmdet's DetTTAModel takes no backbone
    out = tta_config(_cfg(tta_model=dict(type='DetTTAModel', tta_cfg={})))
    assert out.model.type == 'DetTTAModel' and 'backbone' not in out.model
    # a backbone set in tta_model is kept
    out = tta_config(
        _cfg(tta_model=dict(type='AutoFocusDetector', backbone=dict(a=1))))
    assert out.model.backbone == dict(a=1)


def test_tta_config_writes_the_sniper_block():
    out = tta_config(_cfg(sniper=dict(test_scales=(1.0, 2.0))))
    assert tuple(out.model.tta_cfg.scales) == (1.0, 2.0)
    # without a block nothing is written
    assert 'tta_cfg' not in tta_config(_cfg()).model


@pytest.mark.parametrize('kw,match', [
    (dict(tta_pipeline=None), r'^--tta needs tta_model and tta_pipeline in '
     r'the config; it has no tta_pipeline\. Add the SNIPER pyramid'),
    (dict(tta_model=None), r'it has no tta_model\. Add'),
    (dict(tta_model=None, tta_pipeline=None),
     r'it has no tta_model and no tta_pipeline\.'),
    # a wrapper as the model is named first, even without tta_model
    (dict(model=dict(type='OracleAutoFocusDetector'), tta_model=None),
     r"^--tta: the config's model already is a test-time wrapper "
     r'\(OracleAutoFocusDetector, a \*_autofocus-test.py'),
])
def test_tta_config_errors_hand_made(kw, match):
    with pytest.raises(ValueError, match=match):
        tta_config(_cfg(**kw))


@pytest.mark.parametrize('train,leaf', [(AF_TRAIN, AF_LEAF),
                                        (SNIPER_TRAIN, SNIPER_LEAF)],
                         ids=['autofocus', 'sniper'])
def test_tta_config_is_the_leaf_config(repo_root, train, leaf):
    """``tta_config(training config)`` (what --tta does) gives the model
    and the test pipeline of the shipped leaf config."""
    src = Config.fromfile(osp.join(repo_root, train))
    ours = tta_config(src)
    assert not is_tta_model(src.model)  # the input is left as it is
    want = resolve_sniper_block(Config.fromfile(osp.join(repo_root, leaf)))
    assert is_tta_model(ours.model) and ours.model.backbone == {}
    assert ours.model.to_dict() == want.model.to_dict()
    assert ours.test_dataloader.dataset.pipeline == \
        want.test_dataloader.dataset.pipeline
    # init_detector takes it (reads model.backbone) without a checkpoint
    with pytest.warns(UserWarning, match='checkpoint is None'):
        model = init_detector(ours, None, device='cpu')
    assert type(model).__name__ == ours.model.type
    assert model.rpn_budget.per_mpix == src.sniper.test_rpn_budget.per_mpix


def test_tta_config_errors(repo_root):
    leaf = Config.fromfile(osp.join(repo_root, AF_LEAF))
    with pytest.raises(ValueError, match=r'--tta: .*already is a test-time '
                       r'wrapper \(AutoFocusDetector'):
        tta_config(leaf)
    plain = Config.fromfile(osp.join(repo_root, PLAIN))
    with pytest.raises(ValueError,
                       match=r'no tta_model and no tta_pipeline.*'
                       r'configs/_base_/tta/sniper_pyramid.py'):
        tta_config(plain, where='my tool')
    with pytest.raises(ValueError, match='^my tool needs'):
        tta_config(plain, where='my tool')
    assert is_tta_model(dict(type='mmdet.DetTTAModel'))
    assert not is_tta_model(dict(type='FocusFasterRCNN'))
