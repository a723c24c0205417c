"""mmdet's own tools/train.py (the script ``mim train mmdet`` runs) trains a
SNIPER and an AutoFocus config unchanged, with the losses of our
tools/train.py: same config and seed, two iterations on the tiny synthetic
preset, the same logged losses and gradient norm at each iteration.

(mmdet's tools/test.py on the same configs: test_tta_switch.py.)"""
import os
import os.path as osp
import re
import runpy
import subprocess
import sys

import mmdet
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMDET_TRAIN = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                       'train.py')
CONFIGS = {
    'sniper':
    'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py',
    'autofocus': 'configs/autofocus/'
    'autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py',
}
#: main(argv) of our tools/train.py, run in-process
run_train = runpy.run_path(osp.join(ROOT, 'tools', 'train.py'))['main']
#: the logged values of one training iteration
LOGGED = re.compile(r'Epoch\(train\)\s+\[1\]\[\s*(\d+)/2\].*?'
                    r'(grad_norm: .*)$', re.M)


def _options(data_root: str) -> list:
    """Two iterations of 2 chips, one epoch, no validation."""
    return [
        f'train_dataloader.dataset.dataset.data_root={data_root}/',
        'train_dataloader.batch_size=2',
        'train_dataloader.dataset.epoch_length=4', 'train_cfg.max_epochs=1',
        'val_dataloader=None', 'val_cfg=None', 'val_evaluator=None',
        'default_hooks.logger.interval=1'
    ]


def _logged(work_dir: str) -> dict:
    """``{iteration: {'loss': ..., 'loss_cls': ..., 'grad_norm': ...}}``
    from the training log of a work dir."""
    logs = [osp.join(r, f) for r, _, fs in os.walk(work_dir) for f in fs
            if f.endswith('.log')]
    assert len(logs) == 1, logs
    with open(logs[0]) as f:
        text = f.read()
    out = {}
    for it, values in LOGGED.findall(text):
        pairs = re.findall(r'(\w+): ([-\d.e+]+)', values)
        out[int(it)] = {k: float(v) for k, v in pairs
                        if k.startswith(('loss', 'grad_norm', 'acc'))}
    return out


@pytest.mark.skipif(not osp.isfile(MMDET_TRAIN),
                    reason='mmdet installed without its tools (.mim)')
@pytest.mark.parametrize('name', list(CONFIGS))
def test_mmdet_train_py_equals_ours(name, tiny_synthetic_root, tmp_path):
    config = CONFIGS[name]
    opts = _options(tiny_synthetic_root)
    theirs, ours = str(tmp_path / 'mmdet'), str(tmp_path / 'ours')
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='1')
    # mmdet's script in a subprocess while ours runs here
    proc = subprocess.Popen(
        [sys.executable, MMDET_TRAIN, config, '--work-dir', theirs,
         '--cfg-options'] + opts,
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    try:
        run_train([osp.join(ROOT, config), '--work-dir', ours,
                   '--cfg-options'] + opts)
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 0, err[-3000:]
    expected = _logged(ours)
    assert sorted(expected) == [1, 2]
    first = expected[1]
    assert {'loss', 'loss_rpn_cls', 'loss_cls', 'grad_norm'} <= set(first)
    if name == 'autofocus':  # the FocusPixel head trains with the detector
        assert any(k.startswith('loss_focus') for k in first), first
    assert first['loss'] > 0
    got = _logged(theirs)
    assert sorted(got) == [1, 2]
    for it in (1, 2):
        assert got[it] == pytest.approx(expected[it], abs=1e-4), it
    for work in (theirs, ours):
        assert osp.isfile(osp.join(work, 'epoch_1.pth'))
