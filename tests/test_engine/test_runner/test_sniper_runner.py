"""SniperRunner (sniper_runner.py): from_cfg resolves a copy of the config
(the ``sniper`` block in the dataset and the test-time wrapper, also the
one --tta makes the model) and its visualizer becomes the current one.
Runners on hand-made configs; nothing is trained or run, so the detector
is a stand-in with a one-line config (mmengine formats the whole config
with yapf: seconds for a real detector's)."""
import copy
import glob
import os.path as osp

import pytest
from mmdet.registry import MODELS, RUNNERS
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope
from mmengine.visualization import Visualizer

import mmsniper  # noqa: F401
from mmsniper.engine import SniperRunner

SCALES = (2.0, 1.0, 256)
RANGES = ((-1, 80), (48, 200), (150, -1))
BUDGET = dict(per_mpix=300, min=50, max=1000)
VIS = 'sniper_runner_test_vis'
STUB = 'SniperRunnerTestStub'


@MODELS.register_module(name=STUB, force=True)
class _Stub(BaseModel):
    """The stand-in detector (never run)."""

    def forward(self, inputs, data_samples=None, mode='tensor'):
        raise AssertionError('not run')


def _cfg(work_dir, **kw) -> Config:
    """A training config with a block, a SniperDataset that sets none of
    its values and a SniperMultiScaleTTA ``tta_model``."""
    return Config(dict(
        model=dict(type=STUB),
        work_dir=work_dir,
        default_scope='mmdet',
        log_level='WARNING',
        sniper=dict(scales=SCALES, valid_ranges=RANGES, chip_size=320,
                    test_valid_ranges=RANGES, test_rpn_budget=BUDGET),
        train_dataloader=dict(
            batch_size=1, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='SniperDataset',
                         dataset=dict(type='CocoDataset', pipeline=[]))),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        tta_model=dict(type='SniperMultiScaleTTA'),
        visualizer=dict(type='DetLocalVisualizer', name=VIS), **kw))


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """The config and the runner SniperRunner.from_cfg builds from it."""
    init_default_scope('mmdet')
    cfg = _cfg(str(tmp_path_factory.mktemp('sniper_runner')))
    return cfg, SniperRunner.from_cfg(cfg)


def test_block_is_written_into_dataset_and_tta_wrapper(built):
    cfg, runner = built
    assert type(runner) is SniperRunner
    assert runner.cfg.train_dataloader.dataset.chip_cfg == dict(
        scales=SCALES, valid_ranges=RANGES, chip_size=320)
    assert runner.cfg.tta_model.tta_cfg == dict(
        scales=SCALES, valid_ranges=RANGES, rpn_budget=BUDGET)
    # from a copy: the caller's config is left as it was
    assert 'chip_cfg' not in cfg.train_dataloader.dataset
    assert 'tta_cfg' not in cfg.tta_model
    # the config dumped to the work dir is the resolved one
    dumped = glob.glob(osp.join(runner.work_dir, '*.py'))
    assert len(dumped) == 1
    assert Config.fromfile(dumped[0]).train_dataloader.dataset.chip_cfg \
        .chip_size == 320


def test_tta_model_built_from_the_block(tmp_path):
    """What tools/test.py --tta builds: cfg.model wrapped in tta_model,
    then RUNNERS.build(cfg) (runner_type)."""
    cfg = _cfg(str(tmp_path), runner_type='SniperRunner')
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper'):
        cfg.pop(key)
    cfg.model = dict(**cfg.tta_model, module=cfg.model)
    before = copy.deepcopy(cfg.to_dict())
    model = RUNNERS.build(cfg).model
    assert type(model).__name__ == 'SniperMultiScaleTTA'
    assert model.scales == list(SCALES)
    assert model.valid_ranges == list(RANGES)
    rpn = model.rpn_budget
    assert (rpn.per_mpix, rpn.min, rpn.max) == (300., 50, 1000)
    assert model.det_budget is None
    assert cfg.to_dict() == before


def test_visualizer_becomes_current(built):
    _, runner = built
    vis = runner.visualizer
    assert vis.instance_name == VIS and type(vis).__name__ == \
        'DetLocalVisualizer'
    names = ['sniper_runner_test_other', 'sniper_runner_test_fresh']
    try:
        other = Visualizer.get_instance(names[0])
        assert Visualizer.get_current_instance() is other
        # a second run of the process: mmengine hands back the instance of
        # that name, which is made current again
        assert runner.build_visualizer(dict(type='DetLocalVisualizer',
                                            name=VIS)) is vis
        assert Visualizer.get_current_instance() is vis
        # an instance passed in, under a name taken by another instance
        direct = Visualizer(name=names[0])
        assert runner.build_visualizer(direct) is direct
        assert Visualizer.get_current_instance() is direct
        # ... and under a new name
        fresh = Visualizer(name=names[1])
        assert runner.build_visualizer(fresh) is fresh
        assert Visualizer.get_current_instance() is fresh
    finally:
        for name in names:
            Visualizer._instance_dict.pop(name, None)
