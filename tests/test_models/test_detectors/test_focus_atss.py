"""FocusATSS: SNIPER's ATSS assigner and loss_focus beside the ATSS
losses."""
import pytest
import torch
import torch.nn.functional as F

import mmsniper  # noqa: F401
from mmsniper.testing.focus_detectors import (ONE_STAGE_FOCUS_LABELS as
                                              LABELS, build_eval,
                                              one_stage_focus_cfg as _cfg,
                                              one_stage_focus_samples as
                                              _samples)

pytestmark = pytest.mark.usefixtures('single_thread')


def test_focus_atss(repo_root):
    model = build_eval(_cfg(repo_root, 'atss'))
    assert type(model).__name__ == 'FocusATSS'
    assert type(model.bbox_head.assigner).__name__ == 'SniperATSSAssigner'
    inputs = torch.rand(2, 3, 64, 64) * 255
    with torch.no_grad():
        losses = model.loss(inputs, _samples())
        x = model.extract_feat(inputs)
        ref = F.cross_entropy(model.focus_head(x[1])['seg_preds'], LABELS,
                              ignore_index=-1)
    assert set(losses) == {'loss_cls', 'loss_bbox', 'loss_centerness',
                           'loss_focus'}
    torch.testing.assert_close(losses['loss_focus'], ref)
