"""mmsniper.utils.dist: the one set-up path of the distributed tools."""
import os

import pytest
import torch
import torch.distributed as torch_dist
from mmengine.config import Config

from mmsniper.utils import init_launcher, teardown

cpu_only = pytest.mark.skipif(torch.cuda.is_available(),
                              reason='the gloo path is taken without CUDA')


def test_no_launcher_is_a_no_op():
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert init_launcher('none', cfg) is False
    assert init_launcher(None) is False
    assert not torch_dist.is_initialized()
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg
    teardown()  # nothing to tear down


@cpu_only
@pytest.mark.parametrize('launcher', ['slurm', 'mpi'])
def test_slurm_mpi_without_cuda_say_so(launcher):
    with pytest.raises(RuntimeError, match='needs CUDA.*torchrun'):
        init_launcher(launcher, Config(dict()))
    assert not torch_dist.is_initialized()


@cpu_only
@pytest.mark.parametrize('with_cfg', [True, False])
def test_pytorch_launcher_on_cpu_starts_gloo(monkeypatch, with_cfg):
    """One process of a torchrun world of 1: gloo is started by us, the
    config (when given) is adjusted for DDP on CPU, teardown ends it."""
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', '29683' if with_cfg else '29684')
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl',
                                                 timeout=60)))) \
        if with_cfg else None
    try:
        assert init_launcher('pytorch', cfg, local_rank=0) is True
        assert torch_dist.is_initialized()
        assert torch_dist.get_backend() == 'gloo'
        assert os.environ['LOCAL_RANK'] == '0'
        if with_cfg:
            assert cfg.env_cfg.dist_cfg.backend == 'gloo'
            assert cfg.model_wrapper_cfg.type == 'MMDistributedDataParallel'
            assert cfg.model_wrapper_cfg.device_ids is None
        # a second call (e.g. the Runner's set-up) does not start another
        assert init_launcher('pytorch', cfg) is True
    finally:
        teardown()
    assert not torch_dist.is_initialized()


@cpu_only
def test_existing_wrapper_cfg_is_kept(monkeypatch):
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', '29685')
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    cfg = Config(dict(model_wrapper_cfg=dict(
        type='MMDistributedDataParallel', find_unused_parameters=True)))
    try:
        init_launcher('pytorch', cfg)
        assert cfg.model_wrapper_cfg.find_unused_parameters is True
        assert cfg.model_wrapper_cfg.device_ids is None
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    finally:
        teardown()
