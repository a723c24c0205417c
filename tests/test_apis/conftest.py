"""Fixtures of the Python API tests: random-weight training checkpoints of
the synthetic AutoFocus and SNIPER detectors, saved as the runner saves
them (the detector's ``state_dict`` and ``meta.dataset_meta``)."""
import os.path as osp

import pytest
import torch

AF_TRAIN = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
SNIPER_TRAIN = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501


@pytest.fixture(autouse=True, scope='module')
def _apis_single_thread(single_thread):
    """Every API test module runs with one torch thread."""
    yield


def _save_training_ckpt(repo_root: str, config: str, path: str) -> dict:
    """Build ``config``'s detector with random weights (seed 0) and save it
    as a training checkpoint; returns its ``state_dict``."""
    from mmdet.registry import DATASETS, MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmsniper  # noqa: F401
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(repo_root, config)).model)
    meta = dict(DATASETS.get('SyntheticScaleDataset').METAINFO)
    state = model.state_dict()
    torch.save(dict(state_dict=state, meta=dict(dataset_meta=meta)), path)
    return state


@pytest.fixture(scope='session')
def af_ckpt(repo_root, tmp_path_factory):
    """``(path, state_dict)`` of a random FocusFasterRCNN (AutoFocus)."""
    path = str(tmp_path_factory.mktemp('ckpt') / 'autofocus_random.pth')
    return path, _save_training_ckpt(repo_root, AF_TRAIN, path)


@pytest.fixture(scope='session')
def sniper_ckpt(repo_root, tmp_path_factory):
    """``(path, state_dict)`` of a random Faster R-CNN (SNIPER, no
    FocusPixel head)."""
    path = str(tmp_path_factory.mktemp('ckpt') / 'sniper_random.pth')
    return path, _save_training_ckpt(repo_root, SNIPER_TRAIN, path)
