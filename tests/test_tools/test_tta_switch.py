"""The test-time choice is the config's (random weights, one tiny image):
our tools/test.py with --tta on the AutoFocus training config, the same
without --tta on its *_autofocus-test.py leaf config, and mmdet's own
tools/test.py --tta give the same detections and metrics (the pixel metric
included); the SNIPER pyramid through --tta processes the full pyramid;
2 gloo processes (tools/dist_test.sh --tta) cover every image; the bad
combinations exit 2 naming what to change."""
import glob
import json
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import runpy

import pytest
import torch

AF_TRAIN = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
AF_LEAF = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_autofocus-test.py'  # noqa: E501
SNIPER_TRAIN = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
PLAIN = 'configs/synthetic/faster-rcnn_r18-w16_fpn_quickstart_synthetic.py'

#: the `sniper` block's test budgets, small (both wrappers read them)
BUDGETS = ['sniper.test_rpn_budget.min=10', 'sniper.test_rpn_budget.max=30',
           'sniper.test_det_budget.min=10', 'sniper.test_det_budget.max=30']
#: small AutoFocus scales and few RPN proposals, on the training config
#: (tta_model around model) and on the leaf config (model.module)
AF_TRAIN_FAST = ['tta_model.autofocus_cfg.scales=[64,0.25,0.5]',
                 'model.test_cfg.rpn.max_per_img=30'] + BUDGETS
AF_LEAF_FAST = ['model.autofocus_cfg.scales=[64,0.25,0.5]',
                'model.module.test_cfg.rpn.max_per_img=30'] + BUDGETS
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: main(argv) of our tools, run in-process
run_test = runpy.run_path(osp.join(ROOT, 'tools', 'test.py'))['main']
run_train = runpy.run_path(osp.join(ROOT, 'tools', 'train.py'))['main']


def _data(root: str, images: int = 1) -> list:
    return [
        f'test_dataloader.dataset.data_root={root}/',
        f'test_dataloader.dataset.indices={images}',
        f'test_evaluator.0.ann_file={root}/annotations/instances_test.json',
    ]


def _preds(path: str) -> list:
    with open(path, 'rb') as f:
        results = pickle.load(f)
    return [(r['img_path'], r['pred_instances']) for r in results]


def _same_preds(a: list, b: list) -> None:
    assert [p for p, _ in a] == [p for p, _ in b]
    for (_, x), (_, y) in zip(a, b):
        assert len(x['bboxes']) > 0
        for key in ('bboxes', 'scores', 'labels'):
            torch.testing.assert_close(x[key], y[key])


def _log(work_dir: str) -> str:
    return ''.join(
        open(osp.join(r, f)).read() for r, _, fs in os.walk(work_dir)
        for f in fs if f.endswith('.log'))


@pytest.fixture(scope='module')
def ours_tta(repo_root, tiny_synthetic_root, random_ckpt, tmp_path_factory):
    """Our tools/test.py --tta on the AutoFocus training config."""
    work = str(tmp_path_factory.mktemp('ours_tta'))
    out = osp.join(work, 'dets.pkl')
    metrics = run_test([
        osp.join(repo_root, AF_TRAIN), random_ckpt, '--tta', '--work-dir',
        work, '--out', out, '--cfg-options'
    ] + _data(tiny_synthetic_root) + AF_TRAIN_FAST)
    return metrics, _preds(out)


def test_leaf_config_equals_tta(repo_root, tiny_synthetic_root, random_ckpt,
                                ours_tta, tmp_path):
    metrics, preds = ours_tta
    assert 'coco/bbox_mAP' in metrics
    assert 0 < metrics['pixels/ratio_to_pyramid'] <= 1
    assert metrics['pixels/mpix_per_img'] > 0
    out = str(tmp_path / 'dets.pkl')
    leaf = run_test([
        osp.join(repo_root, AF_LEAF), random_ckpt, '--work-dir',
        str(tmp_path), '--out', out, '--cfg-options'
    ] + _data(tiny_synthetic_root) + AF_LEAF_FAST)
    assert leaf == metrics
    _same_preds(_preds(out), preds)


def test_mmdet_test_py_tta_equals_ours(repo_root, tiny_synthetic_root,
                                       random_ckpt, ours_tta, tmp_path):
    """mmdet's own tools/test.py --tta on the training config."""
    import mmdet
    script = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                      'test.py')
    metrics, preds = ours_tta
    out = str(tmp_path / 'mmdet.pkl')
    env = dict(os.environ, PYTHONPATH=repo_root, OMP_NUM_THREADS='1')
    res = subprocess.run(
        [sys.executable, script, AF_TRAIN, random_ckpt, '--tta',
         '--work-dir', str(tmp_path), '--out', out, '--cfg-options'] +
        _data(tiny_synthetic_root) + AF_TRAIN_FAST,
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    _same_preds(_preds(out), preds)
    log = _log(str(tmp_path))
    for key in ('coco/bbox_mAP', 'pixels/mpix_per_img',
                'pixels/ratio_to_pyramid'):
        found = re.search(re.escape(key) + r': ([-\d.]+)', log)
        assert found, f'{key} not in the log of mmdet tools/test.py'
        assert float(found.group(1)) == pytest.approx(metrics[key],
                                                      abs=1e-4)


def test_sniper_tta_full_pyramid_json_and_pictures(repo_root,
                                                   tiny_synthetic_root,
                                                   random_ckpt, tmp_path):
    out = str(tmp_path / 'dets.json')
    metrics = run_test([
        osp.join(repo_root, SNIPER_TRAIN), random_ckpt, '--tta',
        '--work-dir', str(tmp_path), '--out', out, '--show-dir', 'vis',
        '--cfg-options', 'sniper.test_scales=[0.5,0.25,64]',
        'model.test_cfg.rpn.max_per_img=30'
    ] + _data(tiny_synthetic_root) + BUDGETS)
    assert metrics['pixels/ratio_to_pyramid'] == pytest.approx(1.0)
    # pictures with ground truth and detections (gt boxes reach mmdet's
    # visualizer as tensors)
    assert len(glob.glob(str(tmp_path / '*' / 'vis' / '*.jpg'))) == 1
    with open(out) as f:
        dets = json.load(f)
    assert dets and {'image_id', 'category_id', 'bbox', 'score'} <= set(
        dets[0])


def _exit_2(capsys, argv, fn=run_test) -> str:
    with pytest.raises(SystemExit) as e:
        fn(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    return err


def test_bad_combinations_exit_2(repo_root, random_ckpt, tmp_path, capsys):
    work = ['--work-dir', str(tmp_path)]
    # the leaf config's model already is the wrapper
    err = _exit_2(capsys, [osp.join(repo_root, AF_LEAF), random_ckpt,
                           '--tta'] + work)
    assert err.startswith('error: --tta: ') and 'AutoFocusDetector' in err
    # a config without tta_model / tta_pipeline
    err = _exit_2(capsys, [osp.join(repo_root, PLAIN), random_ckpt,
                           '--tta'] + work)
    assert 'no tta_model and no tta_pipeline' in err
    assert 'configs/_base_/tta/' in err
    # --mode is gone: the config chooses
    with pytest.raises(SystemExit) as e:
        run_test([osp.join(repo_root, AF_TRAIN), random_ckpt, '--mode',
                  'autofocus'] + work)
    assert e.value.code == 2
    assert 'unrecognized arguments: --mode' in capsys.readouterr().err
    # a leaf config is not for training
    err = _exit_2(capsys, [osp.join(repo_root, AF_LEAF)] + work, run_train)
    assert 'test-time wrapper' in err and 'training config' in err


def test_dist_test_tta_two_processes(repo_root, tiny_synthetic_root,
                                     random_ckpt, tmp_path):
    """tools/dist_test.sh --tta: 2 gloo processes, 2 images, COCO json with
    the detections of both images."""
    out = str(tmp_path / 'dets.json')
    env = dict(os.environ, PYTHON=sys.executable, PORT='29519',
               OMP_NUM_THREADS='1', PYTHONPATH=repo_root)
    res = subprocess.run(
        ['bash', 'tools/dist_test.sh', AF_TRAIN, random_ckpt, '2', '--tta',
         '--work-dir', str(tmp_path), '--out', out, '--cfg-options'] +
        _data(tiny_synthetic_root, images=2) + AF_TRAIN_FAST,
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=400)
    assert res.returncode == 0, res.stderr[-3000:]
    log = _log(str(tmp_path))
    assert 'Distributed training: True' in log
    assert 'pixels/ratio_to_pyramid' in log
    with open(out) as f:
        dets = json.load(f)
    assert len({d['image_id'] for d in dets}) == 2
