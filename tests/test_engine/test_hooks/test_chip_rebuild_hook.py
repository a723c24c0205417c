"""ChipRebuildHook: a new chip list every epoch (epoch- and iteration-based
loops), persistent workers restarted, and a short real training run."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.registry import init_default_scope
from mmengine.runner import IterBasedTrainLoop, Runner

import mmsniper  # noqa: F401
from mmsniper.datasets import SniperDataset
from mmsniper.engine.hooks import ChipRebuildHook
from mmsniper.testing.sniper_toy import (chip_pipeline, toy_dataset_cfg,
                                         toy_sniper_dataloader, write_toy_coco)

init_default_scope('mmdet')

CHIP_CFG = dict(
    scales=(2.0, 1.0), valid_ranges=((-1, 24), (40, -1)), chip_size=64,
    stride=(8, 24))
IMAGES = [
    dict(w=160, h=120, boxes=[[10, 10, 26, 22], [60, 40, 110, 100],
                              [100, 90, 116, 104], [130, 20, 146, 34]],
         labels=[0, 1, 0, 1]),
    dict(w=128, h=128, boxes=[[20, 70, 34, 84], [40, 30, 100, 90]]),
]


@pytest.fixture(scope='module')
def toy_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('toy_hook'))
    write_toy_coco(root, IMAGES)
    return root


def _runner(dataset, iter_based=False, persistent=False, sampler='Default'):
    loader = SimpleNamespace(
        dataset=dataset,
        persistent_workers=persistent,
        _iterator=object(),
        sampler=type(sampler + 'Sampler', (), {})())
    loop = (IterBasedTrainLoop.__new__(IterBasedTrainLoop)
            if iter_based else object())
    runner = SimpleNamespace(
        train_dataloader=loader, train_loop=loop, epoch=0, iter=0,
        message_hub=MessageHub.get_instance('test_chip_rebuild_hook'))
    return runner


class _Loader(SimpleNamespace):

    def __len__(self):
        return 3


def test_epoch_based_rebuild_and_worker_restart(toy_root):
    ds = SniperDataset(
        toy_dataset_cfg(toy_root, chip_pipeline()), chip_cfg=CHIP_CFG)
    hook = ChipRebuildHook()
    runner = _runner(ds, persistent=True)
    hook.before_train_epoch(runner)  # epoch 0: nothing to do
    assert ds.epoch == 0 and runner.train_dataloader._iterator is not None
    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert ds.epoch == 2 and runner.train_dataloader._iterator is None
    assert runner.message_hub.get_info('sniper_chips')['epoch'] == 2
    ref = SniperDataset(
        toy_dataset_cfg(toy_root, chip_pipeline()), chip_cfg=CHIP_CFG)
    ref.set_epoch(2)
    np.testing.assert_array_equal(ds._index, ref._index)
    np.testing.assert_array_equal(ds._chips['chip_scaled'],
                                  ref._chips['chip_scaled'])
    assert repr(hook) == 'ChipRebuildHook(restart_workers=True)'


def test_iter_based_rebuild_after_each_pass(toy_root):
    ds = SniperDataset(
        toy_dataset_cfg(toy_root, chip_pipeline()), chip_cfg=CHIP_CFG)
    hook = ChipRebuildHook()
    runner = _runner(ds, iter_based=True)
    runner.train_dataloader = _Loader(**vars(runner.train_dataloader))
    runner.iter = 7  # resumed in pass 2 (3 iterations per pass)
    hook.before_train(runner)
    assert ds.epoch == 2
    runner.iter = 7
    hook.after_train_iter(runner, 7)
    assert ds.epoch == 2
    runner.iter = 8  # last iteration of pass 2
    hook.after_train_iter(runner, 8)
    assert ds.epoch == 3
    hook.before_train_epoch(runner)  # ignored by iteration-based loops
    assert ds.epoch == 3


def test_infinite_sampler_and_plain_dataset(toy_root):
    ds = SniperDataset(
        toy_dataset_cfg(toy_root, chip_pipeline()), chip_cfg=CHIP_CFG)
    hook = ChipRebuildHook()
    runner = _runner(ds, iter_based=True, sampler='Infinite')
    runner.train_dataloader = _Loader(**vars(runner.train_dataloader))
    runner.iter = 5
    hook.before_train(runner)
    hook.after_train_iter(runner, 5)
    assert ds.epoch == 0
    plain = _runner([1, 2, 3])
    plain.epoch = 1
    hook.before_train_epoch(plain)  # warns, does nothing


def test_short_training_rebuilds_chips(repo_root, toy_root, tmp_path):
    """Two epochs of a tiny Faster R-CNN on chips through mmengine's Runner:
    the hook moves the dataset to epoch 1 and training losses are
    finite."""
    cfg = Config.fromfile(
        f'{repo_root}/configs/_base_/models/faster-rcnn_r18-w16_fpn.py')
    assigners = Config.fromfile(
        f'{repo_root}/configs/_base_/models/sniper_assigners.py')
    cfg.model.train_cfg.rpn.assigner = assigners.sniper_rpn_assigner
    cfg.model.train_cfg.rcnn.assigner = assigners.sniper_rcnn_assigner
    cfg.model.train_cfg.rpn_proposal.nms_pre = 200
    cfg.model.train_cfg.rcnn.sampler.num = 32
    runner = Runner(
        model=cfg.model,
        work_dir=str(tmp_path),
        train_dataloader=toy_sniper_dataloader(toy_root, CHIP_CFG, flip=True),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.001)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        custom_hooks=[dict(type='ChipRebuildHook')],
        default_hooks=dict(checkpoint=None, logger=dict(
            type='LoggerHook', interval=1)),
        default_scope='mmdet',
        randomness=dict(seed=0))
    torch.set_num_threads(1)
    runner.train()
    ds = runner.train_dataloader.dataset
    assert isinstance(ds, SniperDataset) and ds.epoch == 1 and len(ds) == 2
    scalars = runner.message_hub.log_scalars
    assert np.isfinite(scalars['train/loss'].current())
