"""tools/analysis/benchmark_inference.py end to end on one tiny image with
random weights (a smoke test of the script that README command 1 runs; the
benchmark's numbers come from a trained model, docs/benchmarks.md)."""
import importlib.util
import json
import os.path as osp

import pytest

CFG = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
FAST = [
    'model.test_cfg.rpn.max_per_img=30',
    'autofocus_test_model.autofocus_cfg.scales=[64,0.25,0.5]',
    'sniper.test_scales=[0.5,0.25,64]',
    'sniper.test_rpn_budget.max=30',  # both wrappers
]


def _load(repo_root):
    path = osp.join(repo_root, 'tools', 'analysis', 'benchmark_inference.py')
    spec = importlib.util.spec_from_file_location('benchmark_inference', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_inference_smoke(repo_root, tiny_synthetic_root,
                                   random_ckpt, tmp_path, capsys):
    bench = _load(repo_root)
    out, png = str(tmp_path / 'res.json'), str(tmp_path / 'plot.png')
    results = bench.main([
        osp.join(repo_root, CFG), random_ckpt, '--data-root',
        tiny_synthetic_root, '--split', 'val', '--num-images', '1',
        '--methods', 'single', 'pyramid', 'autofocus', '--single-scale',
        '0.25', '--af-points', 'config', '0.9,0.9,2,2', '--threads', '1',
        '--out', out, '--plot', png, '--cfg-options'
    ] + FAST)
    names = [r['name'] for r in results]
    assert [r['group'] for r in results] == [
        'single', 'pyramid', 'autofocus', 'autofocus']
    # the config's own operating point, then the one given
    assert 't=0.2 k=3 d=3, t=0.2 k=8 d=3' in names[2]
    assert 't=0.9 k=2 d=3, t=0.9 k=2 d=3' in names[3]
    for r in results:
        assert r['ms_per_img'] > 0 and r['mpix_per_img'] > 0
        assert 0 <= r['mAP'] <= 100
    # pyramid pixels: the three scales of a ~1000-1300 px image
    pyr = results[1]
    assert len(pyr['mpix_per_scale']) == 3
    assert pyr['mpix_per_img'] == pytest.approx(sum(pyr['mpix_per_scale']))
    saved = json.load(open(out))
    assert saved['env']['images'] == 1
    assert [r['name'] for r in saved['results']] == names
    assert open(png, 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
    table = capsys.readouterr().out
    assert '| full pyramid (0.5/0.25/64) |' in table
    assert 'speed-up vs pyramid' in table


def test_benchmark_inference_bad_point(repo_root, tiny_synthetic_root,
                                       random_ckpt, tmp_path):
    bench = _load(repo_root)
    with pytest.raises(ValueError, match='--af-points 0.1,0.2,0.3'):
        bench.main([
            osp.join(repo_root, CFG), random_ckpt, '--data-root',
            tiny_synthetic_root, '--split', 'val', '--num-images', '1',
            '--methods', 'autofocus', '--af-points', '0.1,0.2,0.3', '--out',
            str(tmp_path / 'r.json')
        ])
