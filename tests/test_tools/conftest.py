"""Fixtures of the tool tests."""
import importlib.util
import os.path as osp
import sys

import pytest
import torch

AF_CFG = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501


@pytest.fixture(autouse=True, scope='module')
def _tools_single_thread(single_thread):
    """Every tool test module runs with one torch thread."""
    yield


@pytest.fixture(scope='module')
def random_ckpt(repo_root, tmp_path_factory):
    """A randomly initialised FocusFasterRCNN of ``AF_CFG``."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    model = MODELS.build(Config.fromfile(osp.join(repo_root, AF_CFG)).model)
    path = str(tmp_path_factory.mktemp('ckpt') / 'random.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


@pytest.fixture(scope='session')
def load_tool(repo_root):
    """``load_tool(name)``: the module of the script
    ``tools/analysis/<name>.py`` (the tools are scripts, not a package;
    their sibling modules are importable while it loads, as when run)."""
    tools = osp.join(repo_root, 'tools', 'analysis')

    def load(name: str):
        spec = importlib.util.spec_from_file_location(
            f'{name}_tool', osp.join(tools, f'{name}.py'))
        mod = importlib.util.module_from_spec(spec)
        sys.path.insert(0, tools)
        try:
            spec.loader.exec_module(mod)
        finally:
            sys.path.remove(tools)
        return mod

    return load
