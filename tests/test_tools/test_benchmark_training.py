"""tools/analysis/benchmark_training.py: end to end on the tiny preset (two
arms side by side, one iteration each, evaluated by the SNIPER pyramid test;
a smoke test, the numbers of a real run are in docs/benchmarks.md), and its
eval points, ratios and table on hand-made numbers."""
import argparse
import json
import os.path as osp
import runpy
import subprocess
import sys

import pytest

CFG = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'


def test_benchmark_training_smoke(repo_root, tiny_synthetic_root, tmp_path):
    # a relative work dir, as users give it (paths handed to the runner of
    # the evaluation must not depend on it)
    work = osp.relpath(str(tmp_path / 'bench'), repo_root)
    cmd = [
        sys.executable, 'tools/analysis/benchmark_training.py', CFG, '--arms',
        'sniper', 'sniper_neg', 'tiles_ms', '--work-dir', work
    ]
    proc = subprocess.run(cmd + [
        '--max-iters', '1', '--eval-points', '1', '--val-images', '1',
        '--data-root', tiny_synthetic_root
    ],
                          cwd=repo_root,
                          capture_output=True,
                          text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    work = osp.join(repo_root, work)
    assert 'sniper_neg skipped: it needs --proposal-file' in proc.stderr
    with open(osp.join(work, 'benchmark.json')) as f:
        res = json.load(f)['results']
    assert sorted(res) == ['sniper', 'tiles_ms']
    for arm, r in res.items():
        assert r['iterations'] == 1 and r['inputs'] == 8, arm
        assert [c['iterations'] for c in r['checkpoints']] == [1]
        for c in r['checkpoints']:
            assert c['eval']['val_images'] == 1
            assert 0 <= c['eval']['bbox_mAP'] <= 1
            assert c['eval']['fp_per_image'] >= 0
        assert r['peak_rss_mb'] > 0
    # 256 px tiles of a 1000-1300 px image at x1.5, x0.75 and long side
    # 256 outnumber its SNIPER chips; both pad to 256 x 256
    tiles = res['tiles_ms']
    assert tiles['inputs_per_source_image'] > 40
    assert tiles['ratio_to_sniper']['inputs_per_source_image'] > 1
    assert tiles['net_pixels_per_input'] == 256 * 256
    table = open(osp.join(work, 'benchmark.md')).read()
    assert '| val bbox mAP |' in table and 'tiles_ms' in table
    assert osp.getsize(osp.join(work, 'map_vs_time.png')) > 0
    # --report rebuilds the table from the arms' json files
    proc = subprocess.run(cmd + ['--report'],
                          cwd=repo_root,
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert table.splitlines()[0] in proc.stdout


@pytest.fixture(scope='module')
def bench(repo_root):
    return argparse.Namespace(**runpy.run_path(
        osp.join(repo_root, 'tools', 'analysis', 'benchmark_training.py')))


def test_ratios_and_table(bench):
    results = {
        'sniper':
        dict(iterations=100,
             inputs_per_s=4.0,
             eval=dict(bbox_mAP=0.4, fp_per_image=2.0)),
        'tiles':
        dict(iterations=50,
             inputs_per_s=2.0,
             eval=dict(bbox_mAP=0.1, fp_per_image=0.0)),
    }
    bench.add_ratios(results)
    assert results['tiles']['ratio_to_sniper']['bbox_mAP'] == 0.25
    assert results['tiles']['ratio_to_sniper']['iterations'] == 0.5
    assert results['tiles']['ratio_to_sniper']['fp_per_image'] == 0.0
    table = bench.table(results)
    assert '| val bbox mAP | 0.400 | 0.100 (0.25x) |' in table
    assert '| iterations | 100 | 50 (0.50x) |' in table
    assert '| val mAP_s | - | - |' in table
