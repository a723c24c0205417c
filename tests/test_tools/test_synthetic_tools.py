# Copyright (c) mmsniper contributors. All rights reserved.
"""The command-line tools over the synthetic dataset
(``tools/misc/generate_synthetic.py``, ``tools/analysis/dataset_stats.py``); the package's own tests
are in tests/test_datasets/test_synthetic/."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_tool(rel_path: str):
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(rel_path))[0], osp.join(ROOT, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_bad_arguments(tmp_path, capsys):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + [p for p in [env.get('PYTHONPATH')] if p])
    script = osp.join(ROOT, 'tools', 'misc', 'generate_synthetic.py')
    proc = subprocess.run(
        [sys.executable, script, '--preset', 'nope', '--out',
         str(tmp_path / 'x')],
        capture_output=True, text=True, cwd=ROOT, env=env)
    assert proc.returncode == 2
    assert "invalid choice: 'nope'" in proc.stderr
    assert not (tmp_path / 'x').exists()
    tool = _load_tool('tools/misc/generate_synthetic.py')
    (tmp_path / 'afile').write_text('x')
    bad_out = str(tmp_path / 'afile' / 'out')
    with pytest.raises(SystemExit) as exc:
        tool.main(['--preset', 'tiny', '--out', bad_out])
    assert exc.value.code == 2
    assert 'afile' in capsys.readouterr().err
    assert os.listdir(tmp_path) == ['afile']


def test_dataset_stats_tool(tiny_synthetic_root, tmp_path, capsys):
    tool = _load_tool('tools/analysis/dataset_stats.py')
    png = str(tmp_path / 'stats.png')
    assert tool.main([tiny_synthetic_root, '--plot', png]) == 0
    out = capsys.readouterr().out
    assert '[train] 8 images' in out and '8-16' in out
    assert osp.getsize(png) > 1000
