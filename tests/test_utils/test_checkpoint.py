"""mmsniper.utils.checkpoint: a weights-only ``torch.load`` (torch >= 2.6's
default) reads the checkpoints mmengine's Runner writes in a SNIPER run;
resume and mmdet's ``init_detector`` work; mmengine's loaders are its own."""
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import Runner
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

import mmsniper  # noqa: F401
from mmsniper.testing.sniper_toy import toy_sniper_dataloader, write_toy_coco
from mmsniper.utils.checkpoint import checkpoint_globals

pytestmark = pytest.mark.usefixtures('single_thread')

CHIP_CFG = dict(scales=(2.0, 1.0), valid_ranges=((-1, 24), (40, -1)),
                chip_size=64, stride=(8, 24))
IMAGES = [
    dict(w=160, h=120, boxes=[[10, 10, 26, 22], [60, 40, 110, 100]],
         labels=[0, 1]),
    dict(w=128, h=128, boxes=[[20, 70, 34, 84], [40, 30, 100, 90]]),
]


def _model_cfg(repo_root):
    cfg = Config.fromfile(
        f'{repo_root}/configs/_base_/models/faster-rcnn_r18-w16_fpn.py')
    cfg.model.train_cfg.rpn_proposal.nms_pre = 100
    cfg.model.train_cfg.rcnn.sampler.num = 16
    return cfg.model


def _runner(repo_root, toy_root, work_dir, max_epochs, resume=False):
    """A SNIPER run as the configs set it up: chips, the resumable loop,
    atomic checkpoints, the chip hook, AdamW and two LR schedulers."""
    return Runner(
        model=_model_cfg(repo_root),
        work_dir=work_dir,
        train_dataloader=toy_sniper_dataloader(toy_root, CHIP_CFG),
        optim_wrapper=dict(
            optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
                 end=2),
            dict(type='CosineAnnealingLR', by_epoch=True, begin=0,
                 end=max_epochs, convert_to_iter_based=True)
        ],
        train_cfg=dict(type='ResumableEpochBasedTrainLoop',
                       max_epochs=max_epochs),
        custom_hooks=[dict(type='ChipRebuildHook')],
        default_hooks=dict(
            checkpoint=dict(type='AtomicCheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmdet',
        randomness=dict(seed=0),
        resume=resume)


@pytest.fixture(scope='module')
def checkpoint(repo_root, tmp_path_factory):
    toy_root = str(tmp_path_factory.mktemp('toy_ckpt'))
    write_toy_coco(toy_root, IMAGES)
    work = str(tmp_path_factory.mktemp('ckpt_work'))
    _runner(repo_root, toy_root, work, max_epochs=1).train()
    path = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(path)
    return path, toy_root


def test_plain_torch_load_reads_runner_checkpoints(checkpoint):
    path, _ = checkpoint
    ckpt = torch.load(path)  # torch's default: weights_only=True
    assert set(ckpt) >= {'meta', 'state_dict', 'message_hub', 'optimizer',
                         'param_schedulers'}
    hub = ckpt['message_hub']
    loss = hub['log_scalars']['train/loss']
    assert isinstance(loss, HistoryBuffer)
    assert np.isfinite(loss.statistics('mean'))  # methods restored
    assert isinstance(hub['runtime_info']['eta'], np.floating)
    ref = torch.load(path, weights_only=False)
    for k, v in ref['state_dict'].items():
        assert torch.equal(ckpt['state_dict'][k], v)
    # the allowlist is what makes it load
    saved = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path, weights_only=True)
    finally:
        torch.serialization.add_safe_globals(saved)
    assert set(map(str, checkpoint_globals())) <= set(
        map(str, torch.serialization.get_safe_globals()))


def test_mmengine_loaders_are_mmengine_own():
    local = CheckpointLoader._schemes['']
    assert local is mmengine_checkpoint.load_from_local
    for prefix, loader in CheckpointLoader._schemes.items():
        assert loader.__module__.startswith('mmengine'), (prefix, loader)


def test_resume_and_init_detector_load_weights_only(repo_root, checkpoint,
                                                    tmp_path, monkeypatch):
    from mmdet.apis import init_detector
    path, toy_root = checkpoint
    # every torch.load weights-only, whatever its caller passes
    monkeypatch.setenv('TORCH_FORCE_WEIGHTS_ONLY_LOAD', '1')
    work = str(tmp_path / 'resumed')
    runner = _runner(repo_root, toy_root, work, max_epochs=2, resume=True)
    runner._load_from = path
    runner.train()
    assert runner.epoch == 2
    resumed = torch.load(osp.join(work, 'epoch_2.pth'))
    assert resumed['meta']['epoch'] == 2
    assert resumed['message_hub']['runtime_info']['sniper_chips'][
        'epoch'] == 1  # ChipRebuildHook's statistics
    model = init_detector(
        Config(dict(model=_model_cfg(repo_root), default_scope='mmdet')),
        osp.join(work, 'epoch_2.pth'), palette='random', device='cpu')
    assert model.dataset_meta['classes'] == ('a', 'b')


class _GetattrGadget:

    def __reduce__(self):
        return getattr, (torch.Tensor, '__class__')


def test_getattr_is_limited_to_history_buffer_methods(tmp_path):
    path = str(tmp_path / 'gadget.pth')
    torch.save(dict(x=_GetattrGadget()), path)
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        torch.load(path)
