"""Fixtures shared by the whole suite."""
import functools
import os.path as osp

import mmengine.config.utils as _mmengine_cfg_utils
import pytest
import torch

# mmengine re-reads the ~300 metafiles of mmdet's model index on every
# Config.fromfile of a config with an `mmdet::<model>/<name>.py` base
# (~0.3 s each); the suite builds configs hundreds of times, so its reads of
# those yaml files (only read, never changed) are cached here.
_load_file = _mmengine_cfg_utils.load


@functools.lru_cache(maxsize=None)
def _load_metafile(path: str):
    return _load_file(path)


def _load_cached(file, *args, **kwargs):
    if isinstance(file, str) and file.endswith('.yml') and not (args
                                                               or kwargs):
        return _load_metafile(file)
    return _load_file(file, *args, **kwargs)


_mmengine_cfg_utils.load = _load_cached

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
