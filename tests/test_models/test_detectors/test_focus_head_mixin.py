"""The FocusPixel head shared by every Focus* detector: its FPN level must
be at the head's stride, and FocusPixel-head-only training."""
import pytest
import torch
from mmdet.registry import MODELS

import mmsniper  # noqa: F401
from mmsniper.testing.focus_detectors import (one_stage_focus_cfg as _cfg,
                                              one_stage_focus_samples as
                                              _samples)

pytestmark = pytest.mark.usefixtures('single_thread')


def test_level_must_match_stride(repo_root):
    cfg = _cfg(repo_root)
    cfg.focus_head.in_index = 2  # the two-stage P2-P6 index: P5 here
    with pytest.raises(ValueError, match=r'in_index=2 is stride 32 .*'
                       r'\[8, 16, 32, 64, 128\].*use in_index=1'):
        MODELS.build(cfg)


def test_focus_head_only(repo_root):
    cfg = _cfg(repo_root)
    cfg.train_cfg.focus_head_only = True
    model = MODELS.build(cfg).train()
    assert not model.backbone.training and model.focus_head.training
    assert {n.split('.')[0] for n, p in model.named_parameters()
            if p.requires_grad} == {'focus_head'}
    losses = model.loss(torch.rand(2, 3, 64, 64) * 255, _samples())
    assert set(losses) == {'loss_focus'}
