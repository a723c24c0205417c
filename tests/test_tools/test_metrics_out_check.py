"""tools/test.py checks --metrics-out before any work (like --out)."""
import os
import subprocess
import sys
import time

import pytest

CFG = 'tests/data/configs/tiny_synthetic.py'


@pytest.mark.parametrize('where', ['unwritable', 'directory'])
def test_metrics_out_checked_up_front(repo_root, tmp_path, where):
    ckpt = tmp_path / 'never_loaded.pth'
    ckpt.write_bytes(b'')  # the check comes before the checkpoint is read
    if where == 'unwritable':
        target = '/proc/forbidden/metrics.json'
    else:
        target = str(tmp_path / 'a_folder')
        os.mkdir(target)
    env = dict(os.environ, PYTHONPATH=repo_root, OMP_NUM_THREADS='1')
    t = time.time()
    res = subprocess.run(
        [sys.executable, 'tools/test.py', CFG, str(ckpt), '--work-dir',
         str(tmp_path / 'work'), '--metrics-out', target],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2, res.stderr[-2000:]
    assert 'Traceback' not in res.stderr
    errors = [x for x in res.stderr.splitlines() if x.startswith('error:')]
    assert len(errors) == 1 and f'--metrics-out {target}' in errors[0]
    assert ('is a directory' if where == 'directory' else
            "'/proc/forbidden'") in errors[0]
    # nothing was built: no dataset, model or runner log
    assert 'mmengine - INFO' not in res.stdout + res.stderr
    assert time.time() - t < 60
