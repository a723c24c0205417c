"""The checks of tools/train.py and tools/test.py: one-line ValueErrors
naming the file, flag or key, raised before anything is built."""
import os
import os.path as osp

import pytest

from mmsniper.apis.tool_helpers import (check_file, check_output_file,
                                        load_config)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SNIPER_CFG = osp.join(ROOT, 'configs', 'sniper',
                      'sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py')


def test_check_file(tmp_path):
    path = tmp_path / 'a.pth'
    with pytest.raises(ValueError, match=f'checkpoint not found: {path}$'):
        check_file(str(path), 'checkpoint')
    path.write_bytes(b'')
    assert check_file(str(path), 'checkpoint') == str(path)


def test_check_output_file(tmp_path):
    out = str(tmp_path / 'new' / 'dets.json')
    assert check_output_file(out, '--out', ('.pkl', '.json')) == out
    assert osp.isdir(tmp_path / 'new')  # its folder is created
    with pytest.raises(ValueError, match=r'--out must be a \.pkl or '
                       r'\.json file, got x\.txt'):
        check_output_file('x.txt', '--out', ('.pkl', '.json'))
    with pytest.raises(ValueError, match='is a directory, not a file'):
        check_output_file(str(tmp_path), '--metrics-out')
    with pytest.raises(ValueError,
                       match=r"--metrics-out /proc/no/m.json: output folder "
                       r"'/proc/no'"):
        check_output_file('/proc/no/m.json', '--metrics-out')


def test_load_config_as_mmdet_tools(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match='config file not found: nope.py'):
        load_config('nope.py')
    work = str(tmp_path / 'work')
    cfg = load_config(SNIPER_CFG, cfg_options={'sniper.chip_size': 192},
                      work_dir=work)
    assert cfg.work_dir == work and osp.isdir(work)
    assert cfg.launcher == 'none'
    # the block is resolved: the dataset reads the overridden chip size
    assert cfg.train_dataloader.dataset.chip_cfg.chip_size == 192
    # without --work-dir: work_dirs/<config name>, as mmdet's tools
    monkeypatch.chdir(tmp_path)
    cfg = load_config(SNIPER_CFG)
    assert cfg.work_dir == osp.join(
        './work_dirs', 'sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic')
    assert osp.isdir(cfg.work_dir)


def test_load_config_bad_block_and_work_dir(tmp_path):
    with pytest.raises(ValueError) as e:
        load_config(SNIPER_CFG, cfg_options={'sniper.chip_sise': 192},
                    work_dir=str(tmp_path))
    msg = str(e.value)
    assert msg.startswith('the sniper block has unknown keys')
    assert "['chip_sise']" in msg and '\n' not in msg
    assert isinstance(e.value.__cause__, KeyError)
    with pytest.raises(ValueError, match="output folder '/proc/forbidden'"):
        load_config(SNIPER_CFG, work_dir='/proc/forbidden')
    assert not os.path.exists('/proc/forbidden')


def test_exit_bad_argument_prints_one_line_and_exits_2(capsys):
    from mmsniper.apis.tool_helpers import exit_bad_argument
    with pytest.raises(SystemExit) as e:
        exit_bad_argument(KeyError('sniper.scale: unknown key'))
    assert e.value.code == 2
    assert capsys.readouterr().err == 'error: sniper.scale: unknown key\n'
