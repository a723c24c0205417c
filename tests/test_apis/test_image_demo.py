"""demo/image_demo.py: the config (a leaf config, or a training config with
--tta) chooses the test; drawings with FocusChips and heat map are written
and each image's line gives its share of the full pyramid; bad arguments
fail with one line."""
import importlib.util
import os
import os.path as osp
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

AF_TRAIN = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
AF_LEAF = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_autofocus-test.py'  # noqa: E501
SNIPER_LEAF = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_pyramid-test.py'  # noqa: E501
LINE = re.compile(r'(?P<path>\S+): (?P<n>\d+) detections >= 0\.3, \d+ ms, '
                  r'(?P<mpix>[\d.]+) Mpix(?: \((?P<pct>[\d.]+)% of the full '
                  r'pyramid\))?(?:, chips per scale (?P<chips>[\d/]+))? -> '
                  r'(?P<out>\S+)$')


@pytest.fixture(scope='module')
def demo(repo_root):
    spec = importlib.util.spec_from_file_location(
        'image_demo', osp.join(repo_root, 'demo', 'image_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / 'imgs'
    folder.mkdir()
    rng = np.random.default_rng(0)
    cv2.imwrite(str(folder / 'a.png'),
                rng.integers(0, 255, (160, 200), np.uint8))  # grayscale
    cv2.imwrite(str(folder / 'b.jpg'),
                rng.integers(0, 255, (180, 240, 3), np.uint8))
    (folder / 'notes.txt').write_text('not an image')
    return folder


def _lines(out: str) -> list:
    """The demo's per-image lines (mmengine also prints its loading)."""
    lines = [x for x in out.splitlines() if ' detections >= ' in x]
    found = [LINE.match(line) for line in lines]
    assert found and all(found), out
    return found


@pytest.mark.parametrize('config,tta', [(AF_LEAF, False), (AF_TRAIN, True)],
                         ids=['leaf', 'train+tta'])
def test_demo_autofocus_draws_and_reports(demo, repo_root, af_ckpt, images,
                                          tmp_path, capsys, config, tta):
    out_dir = str(tmp_path / 'out')
    argv = [str(images), osp.join(repo_root, config), af_ckpt[0],
            '--show-chips', '--show-heatmap', '--out-dir', out_dir]
    assert demo.main(argv + (['--tta'] if tta else [])) == 0
    lines = _lines(capsys.readouterr().out)
    assert [osp.basename(m['path']) for m in lines] == ['a.png', 'b.jpg']
    for m, shape in zip(lines, [(160, 200), (180, 240)]):
        drawn = cv2.imread(m['out'])
        assert m['out'].startswith(out_dir)
        assert drawn.shape == shape + (3, )
        # AutoFocus: chips of 3 scales, a share of the full pyramid
        assert m['chips'] is not None and len(m['chips'].split('/')) == 3
        assert 0 < float(m['pct']) <= 102.0
    assert sorted(f.name for f in (tmp_path / 'out').iterdir()) == [
        'a.jpg', 'b.jpg']


def test_demo_heatmap_changes_the_drawing(demo, repo_root, af_ckpt, images,
                                          tmp_path, capsys):
    """--show-heatmap / --show-chips draw on the picture (not only flags)."""
    path = str(images / 'b.jpg')
    outs = {}
    for name, flags in (('plain', []),
                        ('focus', ['--show-chips', '--show-heatmap'])):
        out_dir = str(tmp_path / name)
        assert demo.main([path, osp.join(repo_root, AF_LEAF), af_ckpt[0],
                          '--score-thr', '1.0', '--out-dir', out_dir] +
                         flags) == 0
        outs[name] = cv2.imread(osp.join(out_dir, 'b.jpg')).astype(int)
    capsys.readouterr()
    assert np.abs(outs['focus'] - outs['plain']).mean() > 1.0


def test_demo_sniper_pyramid_is_the_full_pyramid(demo, repo_root,
                                                 sniper_ckpt, images,
                                                 tmp_path, capsys):
    assert demo.main([str(images / 'b.jpg'), osp.join(repo_root, SNIPER_LEAF),
                      sniper_ckpt[0], '--out-dir', str(tmp_path)]) == 0
    (m, ) = _lines(capsys.readouterr().out)
    assert float(m['pct']) == 100.0 and m['chips'] is None


def test_demo_bad_arguments(demo, repo_root, af_ckpt, sniper_ckpt, images,
                            tmp_path):
    leaf = osp.join(repo_root, AF_LEAF)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        demo.main([str(images / 'missing.png'), leaf, af_ckpt[0]])
    with pytest.raises(ValueError, match='--tta: .*already is a test-time'):
        demo.main([str(images), leaf, af_ckpt[0], '--tta'])
    plain = osp.join(repo_root, 'configs/synthetic/'
                     'faster-rcnn_r18-w16_fpn_quickstart_synthetic.py')
    with pytest.raises(ValueError, match='configs/_base_/tta'):
        demo.main([str(images), plain, af_ckpt[0], '--tta'])
    with pytest.raises(ValueError, match='sniper_random.pth: .*FocusPixel'):
        demo.main([str(images), leaf, sniper_ckpt[0], '--out-dir',
                   str(tmp_path)])
    with pytest.raises(SystemExit) as e:
        demo.main([str(images), leaf, af_ckpt[0], '--mode', 'autofocus'])
    assert e.value.code == 2


def test_demo_script_exits_2_with_one_line(repo_root, af_ckpt, images):
    res = subprocess.run(
        [sys.executable, 'demo/image_demo.py', str(images),
         AF_LEAF, af_ckpt[0], '--tta'],
        cwd=repo_root, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=repo_root, OMP_NUM_THREADS='1'))
    assert res.returncode == 2
    # one line (the rest of stderr: import-time warnings of the stack)
    assert 'Traceback' not in res.stderr
    errors = [x for x in res.stderr.splitlines() if x.startswith('error:')]
    assert len(errors) == 1 and errors[0].startswith('error: --tta: ')
