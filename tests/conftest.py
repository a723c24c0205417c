"""Fixtures shared by the whole suite."""
import os
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO


@pytest.fixture(scope='session')
def tiny_synthetic_root() -> str:
    """The synthetic ``tiny`` preset, generated once under data/ (reused by
    later runs: the generator skips an identical existing dataset)."""
    from mmsniper.datasets.synthetic import generate_dataset
    root = osp.join(REPO, 'data', 'synthetic', 'tiny')
    generate_dataset(root, preset='tiny', seed=0, progress=False)
    return root


@pytest.fixture(scope='module')
def single_thread():
    """One torch thread for a module (``pytestmark =
    pytest.mark.usefixtures('single_thread')``): on a shared 2-core machine
    a second thread waiting at every op barrier makes small CPU
    convolutions ~50x slower."""
    num = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(num)
