"""tools/train.py, tools/test.py and tools/dist_train.sh end to end (tiny)."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

CFG = 'tests/data/configs/tiny_synthetic.py'


def _data_opts(root: str) -> list:
    return [
        f'train_dataloader.dataset.data_root={root}/',
        f'val_dataloader.dataset.data_root={root}/',
        f'test_dataloader.dataset.data_root={root}/',
        f'val_evaluator.ann_file={root}/annotations/instances_val.json',
        f'test_evaluator.ann_file={root}/annotations/instances_test.json',
    ]


def _run(repo_root, args, **kw):
    env = dict(os.environ, PYTHONPATH=repo_root, OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable] + args, cwd=repo_root, env=env,
                          capture_output=True, text=True, **kw)


@pytest.fixture(scope='module')
def trained(repo_root, tiny_synthetic_root, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('train'))
    res = _run(repo_root, ['tools/train.py', CFG, '--work-dir', work,
                           '--cfg-options'] + _data_opts(tiny_synthetic_root),
               timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    with open(osp.join(work, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    assert osp.isfile(ckpt) and ckpt.endswith('iter_2.pth')
    return work, ckpt


def test_train_then_test_writes_coco_json_and_metrics(repo_root,
                                                      tiny_synthetic_root,
                                                      trained, tmp_path):
    work, ckpt = trained
    out = str(tmp_path / 'dets.bbox.json')
    metrics = str(tmp_path / 'metrics.json')
    res = _run(repo_root, [
        'tools/test.py', CFG, ckpt, '--work-dir', str(tmp_path), '--out', out,
        '--metrics-out', metrics, '--show-dir', 'vis', '--cfg-options'
    ] + _data_opts(tiny_synthetic_root), timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    with open(metrics) as f:
        m = json.load(f)
    assert 0.0 <= m['coco/bbox_mAP_50'] <= 1.0
    with open(out) as f:
        dets = json.load(f)
    with open(osp.join(tiny_synthetic_root,
                       'annotations/instances_test.json')) as f:
        gt = json.load(f)
    img_ids = {im['id'] for im in gt['images']}
    cat_ids = {c['id'] for c in gt['categories']}
    assert isinstance(dets, list)
    for d in dets[:50]:
        assert d['image_id'] in img_ids and d['category_id'] in cat_ids
        assert len(d['bbox']) == 4 and d['bbox'][2] >= 0
        assert 0 <= d['score'] <= 1
    # pictures with detections drawn, one per test image
    vis = [f for root, _, fs in os.walk(tmp_path) for f in fs
           if f.endswith(('.jpg', '.png')) and osp.basename(root) == 'vis']
    assert len(vis) == len(gt['images'])
    # no temporary file left behind
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.tmp')]


def test_format_only_json_without_evaluation(repo_root, tiny_synthetic_root,
                                             trained, tmp_path):
    _, ckpt = trained
    out = str(tmp_path / 'server.json')
    res = _run(repo_root, [
        'tools/test.py', CFG, ckpt, '--work-dir', str(tmp_path), '--out', out,
        '--format-only', '--cfg-options'
    ] + _data_opts(tiny_synthetic_root), timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert 'bbox_mAP' not in res.stdout + res.stderr
    with open(out) as f:
        assert isinstance(json.load(f), list)


@pytest.mark.parametrize('args,message', [
    (['tools/train.py', 'configs/nope.py'], 'config file not found'),
    (['tools/test.py', CFG, 'missing.pth'], 'checkpoint file not found'),
    (['tools/train.py', CFG, '--work-dir', '/proc/forbidden'],
     "output folder '/proc/forbidden'"),
])
def test_bad_arguments_exit_2_with_message(repo_root, args, message):
    res = _run(repo_root, args, timeout=120)
    assert res.returncode == 2
    assert message in res.stderr


def test_dist_train_two_processes_gloo(repo_root, tiny_synthetic_root,
                                       tmp_path):
    env = dict(os.environ, PYTHON=sys.executable, PORT='29517',
               OMP_NUM_THREADS='1', PYTHONPATH=repo_root)
    res = subprocess.run(
        ['bash', 'tools/dist_train.sh', CFG, '2', '--work-dir',
         str(tmp_path), '--cfg-options'] + _data_opts(tiny_synthetic_root) +
        ['train_dataloader.batch_size=1'],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=400)
    # both tails: where a rank stopped shows in the log on stdout
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    log = ''.join(
        open(osp.join(r, f)).read() for r, _, fs in os.walk(tmp_path)
        for f in fs if f.endswith('.log'))
    # mmengine logs the world size as 'GPU number' whatever the device
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert "backend='gloo'" in log
    assert osp.isfile(osp.join(tmp_path, 'iter_2.pth'))
