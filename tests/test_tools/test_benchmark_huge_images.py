"""tools/analysis/benchmark_huge_images.py: one small row per input (the
decoded JPEG and the memory-mapped .npy), same detections."""
import json
import os
import os.path as osp
import subprocess
import sys


def test_benchmark_huge_images_smoke(repo_root, tmp_path):
    out = str(tmp_path / 'huge')
    cmd = [sys.executable,
           osp.join(repo_root, 'tools/analysis/benchmark_huge_images.py'),
           '--sizes', '1', '--modes', 'pyramid', '--inputs', 'jpeg', 'npy',
           '--threads', '1', '--out-dir', out]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '| pyramid | decoded JPEG | 1.0 |' in proc.stdout
    assert '| pyramid | mapped .npy | 1.0 |' in proc.stdout
    with open(osp.join(out, 'huge_images.json')) as f:
        jpeg, npy = json.load(f)['records']
    assert (jpeg['input'], npy['input']) == ('decoded JPEG', 'mapped .npy')
    assert npy['image'].endswith('.npy') and osp.isfile(
        osp.join(out, npy['image']))
    for key in ('detections', 'pixels_processed', 'full_pyramid_pixels'):
        assert jpeg[key] == npy[key] > 0
    assert osp.isfile(osp.join(out, 'huge_images.png'))
    # --reuse keeps the rows already measured
    os.remove(osp.join(out, 'huge_images.json'))
    proc = subprocess.run(cmd + ['--reuse', '--inputs', 'npy'],
                          capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(osp.join(out, 'huge_images.json')) as f:
        assert json.load(f)['records'] == [npy]
