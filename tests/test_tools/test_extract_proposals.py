"""tools/extract_proposals.py (proposal file of a trained RPN, as
mmengine's Runner.test with SniperProposalTTA and DumpSniperProposals) and
tools/train_neg_props_and_sniper.sh (the three steps in one go)."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.datasets import SniperDataset, load_proposals

RPN_CFG = 'configs/rpn/sniper_rpn_r18-w16_fpn_1xb8-2e_synthetic.py'
SNIPER_CFG = ('configs/sniper/'
              'sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py')

init_default_scope('mmdet')


def _run(repo_root, args, **kw):
    env = dict(os.environ, PYTHONPATH=repo_root, OMP_NUM_THREADS='1')
    return subprocess.run(args, cwd=repo_root, env=env, capture_output=True,
                          text=True, **kw)


@pytest.fixture(scope='module')
def rpn(repo_root):
    from mmdet.registry import MODELS
    torch.manual_seed(0)
    cfg = Config.fromfile(osp.join(repo_root, RPN_CFG))
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.eval()


def test_tool_writes_a_file_the_dataset_loads(repo_root, tiny_synthetic_root,
                                              rpn, tmp_path):
    ckpt = str(tmp_path / 'rpn.pth')
    torch.save(dict(state_dict=rpn.state_dict(), meta=dict()), ckpt)
    out = str(tmp_path / 'props.pkl')
    root = tiny_synthetic_root
    res = _run(repo_root, [
        sys.executable, 'tools/extract_proposals.py', RPN_CFG, ckpt, '--out',
        out, '--scales', '0.2', '0.1', '--num-per-scale', '30',
        '--work-dir', str(tmp_path / 'work'), '--cfg-options',
        f'train_dataloader.dataset.dataset.data_root={root}/'
    ], timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert f'wrote {out} (8 images)' in res.stdout
    # Runner.test: its logs in --work-dir, the metrics line of the metric
    logs = [f for r, _, fs in os.walk(tmp_path / 'work') for f in fs
            if f.endswith('.log')]
    assert logs and 'dump_proposals/num_images: 8' in res.stdout
    props = load_proposals(out)
    import json
    with open(osp.join(root, 'annotations/instances_train.json')) as f:
        ids = [im['id'] for im in json.load(f)['images']]
    assert sorted(props) == sorted(ids)
    for img_id, p in props.items():
        assert p.dtype == np.float32 and p.ndim == 2 and p.shape[1] == 5
        assert len(p) <= 60
    from mmsniper.engine import resolve_sniper_block
    cfg = resolve_sniper_block(
        Config.fromfile(osp.join(repo_root, SNIPER_CFG)))
    inner = cfg.train_dataloader.dataset.dataset
    inner.data_root = root + '/'
    ds = SniperDataset(
        inner,
        chip_cfg=cfg.train_dataloader.dataset.chip_cfg,
        use_neg_chips=True,
        proposal_file=out,
        neg_chip_mine=dict(
            type='NegChipMine', num_neg_chips=2, min_proposals=(1, 1, 1)))
    assert len(ds) > 0 and ds.stats['num_images'] == len(ids)


def test_tool_bad_arguments(repo_root, tmp_path):
    res = _run(repo_root, [
        sys.executable, 'tools/extract_proposals.py', RPN_CFG,
        str(tmp_path / 'missing.pth')
    ], timeout=120)
    assert res.returncode == 2 and 'checkpoint file not found' in res.stderr


def test_train_neg_props_and_sniper_dry_run(repo_root, tmp_path):
    # a fresh proposal file path: step (b) is skipped when the file exists
    env = dict(DRY_RUN='1', WORK_DIR=str(tmp_path / 'w'),
               PROPOSAL_FILE=str(tmp_path / 'w' / 'props.pkl'),
               PYTHON=sys.executable, CFG_OPTIONS='a.b=1 c=2')
    res = subprocess.run(
        ['bash', 'tools/train_neg_props_and_sniper.sh', SNIPER_CFG, '1'],
        cwd=repo_root, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, **env))
    assert res.returncode == 0, res.stderr[-2000:]
    lines = [x for x in res.stdout.splitlines() if x.startswith('+ ')]
    assert len(lines) == 3
    assert 'tools/train.py ' + RPN_CFG in lines[0]
    assert 'tools/extract_proposals.py ' + RPN_CFG in lines[1]
    assert 'train_dataloader.dataset.use_neg_chips=True' in lines[2]
    assert f'train_dataloader.dataset.proposal_file={tmp_path}/w/props.pkl' \
        in lines[2]
    assert all('a.b=1 c=2' in x for x in lines)
    bad = subprocess.run(['bash', 'tools/train_neg_props_and_sniper.sh',
                          'configs/sniper/nope.py'], cwd=repo_root,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and 'config not found' in bad.stderr
    # the RPN twin is step (a), not a config to mine negatives for
    rpn = subprocess.run(['bash', 'tools/train_neg_props_and_sniper.sh',
                          RPN_CFG], cwd=repo_root, capture_output=True,
                         text=True, timeout=120,
                         env=dict(os.environ, **env))
    assert rpn.returncode == 2 and 'is an RPN config' in rpn.stderr
