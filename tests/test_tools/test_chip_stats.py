"""tools/analysis/chip_stats.py: --config reads the chip parameters that
training uses, images found beside the json, pictures with a legend and
the suggested chips beside the given ones."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmsniper.testing.sniper_toy import write_toy_coco

CFG = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'
IMAGES = [
    dict(w=320, h=240, boxes=[[10, 10, 26, 22], [60, 40, 200, 200],
                              [250, 90, 266, 104]]),
    dict(w=256, h=256, boxes=[[20, 70, 34, 84], [40, 30, 100, 90]]),
]


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('chip_stats')


def _plain(v):
    return json.loads(json.dumps(v))  # tuples -> lists


def _options(cfg_file, root, chip_size):
    from mmengine.config import Config
    cfg = Config.fromfile(cfg_file)
    # the chip size of the config's one source (the `sniper` block where
    # the config has one, else the dataset's chip_cfg)
    key = 'sniper.chip_size' if 'sniper' in cfg else \
        'train_dataloader.dataset.chip_cfg.chip_size'
    return {
        'train_dataloader.dataset.dataset.data_root': f'{root}/',
        key: chip_size
    }


def test_config_gives_the_chip_parameters_of_training(
        tool, repo_root, tiny_synthetic_root, tmp_path, capsys):
    from mmdet.registry import RUNNERS
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmsniper.datasets import SniperDataset
    from mmsniper.utils.dataset_walk import find_dataset
    cfg_file = osp.join(repo_root, CFG)
    opts = _options(cfg_file, tiny_synthetic_root, 192)
    chip_cfg, ann_file, img_dir = tool.read_config(cfg_file, opts)
    assert chip_cfg['chip_size'] == 192
    assert ann_file == osp.join(tiny_synthetic_root,
                                'annotations/instances_train.json')
    assert img_dir == osp.join(tiny_synthetic_root, 'train/')
    # the chip_cfg of the dataset that training builds (mmdet's train.py)
    cfg = Config.fromfile(cfg_file)
    cfg.merge_from_dict(opts)
    cfg.work_dir = str(tmp_path / 'work')
    runner = (Runner.from_cfg(cfg)
              if 'runner_type' not in cfg else RUNNERS.build(cfg))
    trained = find_dataset(runner.train_dataloader.dataset,
                           SniperDataset).chip_cfg
    assert _plain(chip_cfg) == _plain(
        {k: v for k, v in trained.items() if k in tool.CHIP_KEYS})
    # the statistics use them; pictures found in the config's image folder
    out = tmp_path / 'show'
    tool.main(['--config', cfg_file, '--cfg-options'] +
              [f'{k}={v}' for k, v in opts.items()] +
              ['--show-dir', str(out), '--show-num', '1', '--no-suggest'])
    text = capsys.readouterr().out
    assert '8 images' in text and 'valid boxes covered: 100.00%' in text
    for s in chip_cfg['scales']:
        assert (f'x{s:g}' if s <= 16 else f'long={s:g}') in text
    assert len(os.listdir(out)) == 1
    # an explicit option wins over the config
    args = tool.parse_args(['--config', cfg_file, '--chip-size', '64'])
    assert tool.chip_params(args, chip_cfg)['chip_size'] == 64


def test_config_without_sniper_dataset(tool, repo_root,
                                       tiny_synthetic_root):
    with pytest.raises(ValueError, match='not a SniperDataset'):
        tool.read_config(
            osp.join(repo_root, 'tests/data/configs/tiny_synthetic.py'), {
                'train_dataloader.dataset.data_root':
                f'{tiny_synthetic_root}/'
            })
    with pytest.raises(SystemExit):
        tool.parse_args([])  # neither a json nor a config


def test_images_beside_the_json_legend_and_suggested_chips(
        tool, repo_root, tmp_path, capsys):
    root = str(tmp_path / 'data')
    ann = write_toy_coco(root, IMAGES, ann_name='toy.json',
                         img_dir='annotations')
    out = tmp_path / 'show'
    tool.main([ann, '--scales', '2,1,256', '--valid-ranges',
               '-1:40,30:120,100:-1', '--chip-size', '128', '--show-dir',
               str(out), '--show-num', '2'])
    text = capsys.readouterr().out
    ns = {}  # the printed suggestion is Python
    exec('\n'.join(text[text.index('sniper = dict('):].split('\n')[:3]), ns)
    block = ns['sniper']
    assert isinstance(block['scales'], tuple) and block['chip_size'] == 128
    assert len(block['valid_ranges']) == len(block['scales'])
    pictures = sorted(os.listdir(out))
    assert pictures == ['000.png', '001.png']
    pic = cv2.imread(str(out / '000.png'))
    # the given and the suggested panels, 8 px apart
    assert pic.shape[:2] == (240, 2 * 320 + 8)
    src = cv2.imread(osp.join(root, 'annotations', '000.png'))
    for x0 in (0, 328):
        panel = pic[:, x0:x0 + 320].astype(int)
        # the legend at the top left: darkened with white text
        legend = panel[8:40, 8:80]
        assert legend.max() > 200 and legend.min() < 30
        assert np.abs(panel - src).mean() > 1
    # no image folder holds them: one message, no picture
    for name in pictures:
        os.remove(osp.join(root, 'annotations', name))
    tool.main([ann, '--show-dir', str(tmp_path / 'none'), '--no-suggest'])
    assert 'use --img-dir' in capsys.readouterr().out
    assert not os.listdir(tmp_path / 'none')
