"""Distributed negative chip mining on CPU (gloo): tools/extract_proposals.py
with 2 torchrun processes writes the same file as 1 process, and
tools/train_neg_props_and_sniper.sh CONFIG 2 runs its three steps."""
import json
import os
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.datasets import load_proposals

RPN_CFG = 'configs/rpn/sniper_rpn_r18-w16_fpn_1xb8-2e_synthetic.py'
SNIPER_CFG = ('configs/sniper/'
              'sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py')

pytestmark = pytest.mark.skipif(
    not torch.distributed.is_available(), reason='no torch.distributed')


def _env(repo_root, **kw):
    return dict(os.environ, PYTHONPATH=repo_root, OMP_NUM_THREADS='1', **kw)


def _train_ids(root):
    with open(osp.join(root, 'annotations/instances_train.json')) as f:
        return sorted(im['id'] for im in json.load(f)['images'])


@pytest.fixture(scope='module')
def rpn_ckpt(repo_root, tmp_path_factory):
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(repo_root, RPN_CFG)).model)
    model.init_weights()
    path = str(tmp_path_factory.mktemp('rpn') / 'rpn.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def test_two_processes_write_the_one_process_file(repo_root,
                                                  tiny_synthetic_root,
                                                  rpn_ckpt, tmp_path):
    common = [
        'tools/extract_proposals.py', RPN_CFG, rpn_ckpt, '--scales', '0.3',
        '0.15', '--num-per-scale', '50', '--cfg-options',
        f'train_dataloader.dataset.dataset.data_root={tiny_synthetic_root}/'
    ]
    one, two = str(tmp_path / 'one.pkl'), str(tmp_path / 'two' / 'two.pkl')
    res = subprocess.run([sys.executable] + common + ['--out', one],
                         cwd=repo_root, env=_env(repo_root),
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    res = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run',
         '--nproc_per_node=2', '--master_port=29671'] + common +
        ['--out', two, '--launcher', 'pytorch'],
        cwd=repo_root, env=_env(repo_root), capture_output=True, text=True,
        timeout=300)
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    assert '_cuda_setDevice' not in res.stderr
    assert f'wrote {two} (8 images)' in res.stdout
    p1, p2 = load_proposals(one), load_proposals(two)
    assert sorted(p1) == sorted(p2) == _train_ids(tiny_synthetic_root)
    for img_id in p1:
        assert p1[img_id].shape == p2[img_id].shape
        assert len(p1[img_id]) > 0
        np.testing.assert_allclose(p2[img_id], p1[img_id], rtol=0,
                                   atol=1e-3)
    # the ranks' parts met beside the output and were removed
    assert os.listdir(osp.dirname(two)) == ['two.pkl']


def test_train_neg_props_and_sniper_two_processes(repo_root,
                                                  tiny_synthetic_root,
                                                  tmp_path):
    """RPN training -> 2-process extraction -> SNIPER with negative chips,
    each step shortened to one iteration (epoch_length 4 = 2 processes x 2
    chips)."""
    root = tiny_synthetic_root
    work, props = str(tmp_path / 'work'), str(tmp_path / 'props.pkl')
    opts = ' '.join([
        f'train_dataloader.dataset.dataset.data_root={root}/',
        'train_dataloader.dataset.epoch_length=4',
        'train_dataloader.batch_size=2', 'train_cfg.max_epochs=1'
    ])
    env = _env(repo_root, PYTHON=sys.executable, WORK_DIR=work,
               PROPOSAL_FILE=props, PORT='29673', CFG_OPTIONS=opts)
    res = subprocess.run(
        ['bash', 'tools/train_neg_props_and_sniper.sh', SNIPER_CFG, '2',
         # step (c) only: its end-of-training validation set
         '--cfg-options', f'val_dataloader.dataset.data_root={root}/',
         f'val_evaluator.ann_file={root}/annotations/instances_val.json'],
        cwd=repo_root, env=env, capture_output=True, text=True, timeout=400)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    steps = [x for x in res.stdout.splitlines() if x.startswith('== ')]
    assert [s[:6] for s in steps] == ['== (a)', '== (b)', '== (c)']
    assert '--nproc_per_node=2' in out and '--launcher pytorch' in out
    # (a) the RPN, trained by 2 gloo processes
    with open(osp.join(work, 'rpn', 'last_checkpoint')) as f:
        assert osp.isfile(f.read().strip())
    # (b) proposals of every training image
    assert sorted(load_proposals(props)) == _train_ids(root)
    # (c) SNIPER with negative chips from them, 2 gloo processes
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('epoch_1.pth')
    logs = ''.join(
        open(osp.join(r, f)).read() for r, _, fs in os.walk(work)
        for f in fs if f.endswith('.log')
        and osp.relpath(r, work).split(os.sep)[0] != 'rpn')
    assert 'Distributed training: True' in logs and 'GPU number: 2' in logs
    assert "backend='gloo'" in logs
    neg = re.search(r'SniperDataset epoch 0: \d+ chips \(\d+ positive, '
                    r'(\d+) negative', logs)
    assert neg and int(neg.group(1)) > 0, logs[-3000:]
