"""FocusRetinaNet: predict with the stride-16 map (P4, in_index=1 of the
P3-P7 FPN) and the single-scale note logged once."""
import logging

import pytest
import torch

import mmsniper  # noqa: F401
from mmsniper.models.detectors import focus_head_mixin
from mmsniper.testing.focus_detectors import \
    one_stage_focus_samples as _samples

pytestmark = pytest.mark.usefixtures('single_thread')


def test_predict_map_on_p4(retina, monkeypatch):
    logged = []
    monkeypatch.setattr(focus_head_mixin, '_state',
                        dict(noted=False, wrapped=0))
    monkeypatch.setattr(
        focus_head_mixin, 'print_log',
        lambda msg, logger=None, level=None: logged.append((msg, level)))
    inputs = torch.rand(2, 3, 64, 64) * 255
    with torch.no_grad():
        out = retina.predict(inputs, _samples((60, 40)))
        logits = retina.focus_head(retina.extract_feat(inputs)[1])
        prob = logits['seg_preds'].softmax(1)[:, 1]
        retina.predict(inputs, _samples((60, 40)))
        plain = retina.predict(inputs, _samples(), with_focus=False)
    fmap = out[0].pred_focus_map
    # ceil(60 / 16) x ceil(40 / 16) cells of the image content
    assert fmap.prob.shape == (1, 4, 3) and fmap.stride == 16
    torch.testing.assert_close(fmap.prob[0], prob[0, :4, :3])
    assert out[0].pred_instances.bboxes.shape[1] == 4
    assert 'pred_focus_map' not in plain[0]
    assert len(logged) == 1 and logged[0][1] == logging.WARNING
    assert logged[0][0].startswith('FocusRetinaNet.predict runs the '
                                   'detector at a single scale')
