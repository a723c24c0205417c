"""tools/analysis/training_arms.py: each arm's training data."""
import argparse
import os.path as osp
import runpy

import pytest
from mmengine.config import ConfigDict


@pytest.fixture(scope='module')
def arms(repo_root):
    return argparse.Namespace(**runpy.run_path(
        osp.join(repo_root, 'tools', 'analysis', 'training_arms.py')))


def _cfg():
    inner = dict(type='CocoDataset', data_root='d/', backend_args=None,
                 pipeline=[dict(type='LoadImageFromFile'),
                           dict(type='SnipChipCrop', min_box_side=2)])
    return ConfigDict(train_dataloader=dict(
        batch_size=8, num_workers=4, persistent_workers=True,
        dataset=dict(type='SniperDataset', dataset=inner,
                     chip_cfg=dict(chip_size=256,
                                   scales=[1.5, 0.75, (256, 256)]))))


def _args(arm, **kw):
    return argparse.Namespace(**dict(
        dict(arm=arm, proposal_file='p.pkl', full_batch_size=2,
             tile_size=None, tile_overlap=0.2, tile_min_area_ratio=0.5), **kw))


def test_full_arm_is_mmdets_multiscale_pipeline(arms):
    dl = arms.arm_dataloader(_cfg(), _args('full'))
    assert dl['batch_size'] == 2 and dl['dataset']['type'] == 'CocoDataset'
    choice = dl['dataset']['pipeline'][2]
    assert choice['type'] == 'RandomChoice'
    assert [c[0] for c in choice['transforms']] == [
        dict(type='Resize', scale_factor=1.5, keep_ratio=True),
        dict(type='Resize', scale_factor=0.75, keep_ratio=True),
        dict(type='Resize', scale=(256, 256), keep_ratio=True)]


def test_sniper_tile_and_neg_arms(arms):
    cfg = _cfg()
    dl = arms.arm_dataloader(cfg, _args('sniper'))
    assert dl.dataset.type == 'SniperDataset' and dl.num_workers == 0
    assert not dl.persistent_workers
    dl = arms.arm_dataloader(cfg, _args('sniper_neg'))
    assert dl.dataset.use_neg_chips and dl.dataset.proposal_file == 'p.pkl'
    assert not cfg.train_dataloader.dataset.get('use_neg_chips', False)
    dl = arms.arm_dataloader(cfg, _args('tiles'))
    assert dl.dataset['type'] == 'TileDataset'
    assert dl.dataset['tile_size'] == 256 and dl.dataset['scales'] == (1.0, )
    crop = [t for t in dl.dataset['dataset']['pipeline']
            if t['type'] == 'SnipChipCrop'][0]
    assert crop['min_box_side'] == 0  # tiles train every kept box
    dl = arms.arm_dataloader(cfg, _args('tiles_ms', tile_size=128))
    assert dl.dataset['tile_size'] == 128
    assert dl.dataset['scales'] == (1.5, 0.75, (256, 256))


class _Images:
    def __init__(self, sizes):
        self.sizes = sizes

    def __len__(self):
        return len(self.sizes)

    def get_data_info(self, i):
        return dict(height=self.sizes[i][0], width=self.sizes[i][1])


def test_pixels_of_a_plain_dataset(arms):
    ds = _Images([(100, 200), (200, 100)])
    # factor 2 and factor 1: 4x + 1x of 20000 px per image
    n, pix = arms.inputs_and_pixels(ds, [2.0, 1.0])
    assert n == 2.0
    assert pix == pytest.approx(5 * 20000)
    assert arms.pyramid_pixels(_Images([]), [1.0]) == 0.0
