"""tools/test.py --mode sniper|autofocus end to end (tiny, random weights)."""
import glob
import json
import os.path as osp

import pytest

from mmsniper.apis import ToolError
from mmsniper.apis import test as run_test

CFG = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501


def _opts(root):
    # one image, small scales and few proposals: fast on random weights
    return [
        f'test_dataloader.dataset.data_root={root}/',
        'test_dataloader.dataset.indices=1',
        f'test_evaluator.ann_file={root}/annotations/instances_test.json',
        'autofocus_test_model.autofocus_cfg.scales=[64,0.25,0.5]',
        'sniper.test_rpn_budget.max=30',  # both wrappers
        'sniper.test_scales=[0.5,0.25,64]',
        'model.test_cfg.rpn.max_per_img=30',
    ]


@pytest.mark.parametrize('mode', ['autofocus', 'sniper'])
def test_modes_evaluate_and_export(repo_root, tiny_synthetic_root,
                                   random_ckpt, tmp_path, mode):
    out = str(tmp_path / 'dets.json')
    metrics = run_test([
        osp.join(repo_root, CFG), random_ckpt, '--mode', mode,
        '--work-dir', str(tmp_path), '--out', out, '--show-dir', 'vis',
        '--cfg-options'
    ] + _opts(tiny_synthetic_root))
    assert 'coco/bbox_mAP' in metrics
    # pictures with ground truth and detections (gt boxes reach mmdet's
    # visualizer as tensors)
    assert glob.glob(str(tmp_path / '*' / 'vis' / '*.jpg'))
    assert metrics['pixels/mpix_per_img'] > 0
    if mode == 'sniper':
        assert metrics['pixels/ratio_to_pyramid'] == pytest.approx(1.0)
    with open(out) as f:
        dets = json.load(f)
    assert dets and {'image_id', 'category_id', 'bbox', 'score'} <= set(
        dets[0])


def test_autofocus_mode_needs_focus_head(repo_root, random_ckpt, tmp_path):
    with pytest.raises(ToolError, match='FocusPixel head'):
        run_test([
            osp.join(repo_root,
                     'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_'
                     'synthetic.py'), random_ckpt, '--mode', 'autofocus',
            '--work-dir', str(tmp_path)
        ])


def test_dist_test_autofocus_two_processes(repo_root, tiny_synthetic_root,
                                           random_ckpt, tmp_path):
    """tools/dist_test.sh --mode autofocus: 2 gloo processes, 2 images,
    COCO json with the detections of both images."""
    import os
    import subprocess
    import sys
    out = str(tmp_path / 'dets.json')
    opts = [o for o in _opts(tiny_synthetic_root) if 'indices' not in o]
    env = dict(os.environ, PYTHON=sys.executable, PORT='29519',
               OMP_NUM_THREADS='1', PYTHONPATH=repo_root)
    res = subprocess.run(
        ['bash', 'tools/dist_test.sh', CFG, random_ckpt, '2', '--mode',
         'autofocus', '--work-dir', str(tmp_path), '--out', out,
         '--cfg-options', 'test_dataloader.dataset.indices=2'] + opts,
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=400)
    assert res.returncode == 0, res.stderr[-3000:]
    log = ''.join(
        open(osp.join(r, f)).read() for r, _, fs in os.walk(tmp_path)
        for f in fs if f.endswith('.log'))
    assert 'Distributed training: True' in log
    assert 'pixels/mpix_per_img' in log
    with open(out) as f:
        dets = json.load(f)
    assert len({d['image_id'] for d in dets}) == 2
