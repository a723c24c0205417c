"""Fixtures of the detector tests."""
import pytest

from mmsniper.testing.focus_detectors import build_eval, one_stage_focus_cfg


@pytest.fixture(scope='module')
def retina(repo_root):
    """The synthetic FocusRetinaNet, seed-0 weights, eval mode."""
    return build_eval(one_stage_focus_cfg(repo_root))
