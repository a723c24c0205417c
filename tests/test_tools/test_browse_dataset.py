"""mmdet's own tools/analysis_tools/browse_dataset.py on a SNIPER config:
it ends after len(dataset) samples and writes one picture per chip."""
import os
import os.path as osp
import re
import subprocess
import sys

import mmdet
import pytest

CFG = 'tests/data/configs/tiny_sniper.py'
BROWSE = osp.join(
    osp.dirname(mmdet.__file__), '.mim', 'tools', 'analysis_tools',
    'browse_dataset.py')


def _num_samples(repo_root, data_opt):
    from mmdet.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmsniper.engine import resolve_sniper_block
    cfg = Config.fromfile(osp.join(repo_root, CFG))
    cfg.merge_from_dict(dict([data_opt.split('=', 1)]))
    resolve_sniper_block(cfg)
    init_default_scope('mmdet')
    return len(DATASETS.build(cfg.train_dataloader.dataset))


def test_browse_dataset_one_picture_per_chip(repo_root, tiny_synthetic_root,
                                             tmp_path):
    data = (f'train_dataloader.dataset.dataset.data_root='
            f'{tiny_synthetic_root}/')
    num = _num_samples(repo_root, data)
    assert num > 1
    out = tmp_path / 'browse'
    env = dict(os.environ, PYTHONPATH=repo_root, OMP_NUM_THREADS='1')
    res = subprocess.run(
        [sys.executable, 'tools/analysis/browse_dataset.py', CFG,
         '--not-show', '--output-dir', str(out), '--cfg-options', data,
         'sniper.chip_size=160'],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    # the progress bar stops at len(dataset): the iteration ended there
    bar = re.findall(r'\]\s*(\d+)/(\d+),', res.stdout)
    assert bar and {int(total) for _, total in bar} == {num}
    assert max(int(done) for done, _ in bar) == num
    pictures = os.listdir(out)
    assert len(pictures) == num  # one per chip, none overwritten
    assert all(re.fullmatch(r'\d{6}_s\d_x\d+_y\d+(_\d+)?\.jpg', p)
               for p in pictures), pictures
    # the block reached the chips: 160 px inputs (sniper.chip_size)
    import cv2
    shapes = {cv2.imread(str(out / p)).shape[:2] for p in pictures}
    # (the coarsest scale is the whole image at long side 256)
    assert (160, 160) in shapes and (128, 128) not in shapes, shapes


@pytest.mark.skipif(not osp.isfile(BROWSE),
                    reason='mmdet installed without its tools (.mim)')
def test_mmdet_browse_dataset_refuses_an_unresolved_block(
        repo_root, tiny_synthetic_root, tmp_path):
    # mmdet's script builds the dataset without a Runner: the `sniper`
    # block is not applied there; it must fail clearly, not browse chips of
    # the COCO defaults
    env = dict(os.environ, PYTHONPATH=repo_root, OMP_NUM_THREADS='1')
    res = subprocess.run(
        [sys.executable, BROWSE, CFG, '--not-show', '--output-dir',
         str(tmp_path / 'b'), '--cfg-options',
         f'train_dataloader.dataset.dataset.data_root={tiny_synthetic_root}/'
         ], cwd=repo_root, env=env, capture_output=True, text=True,
        timeout=300)
    assert res.returncode != 0
    assert "'from_block': 'sniper'" in res.stderr
    assert 'tools/analysis/browse_dataset.py' in res.stderr
