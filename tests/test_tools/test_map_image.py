"""tools/misc/map_image.py: images saved as .npy for LoadMappedImage."""
import os.path as osp
import runpy

import cv2
import numpy as np
import pytest


@pytest.fixture(scope='module')
def tool(repo_root):
    return runpy.run_path(osp.join(repo_root, 'tools', 'misc',
                                   'map_image.py'))


def test_map_image_tool(tool, tmp_path, capsys):
    img = np.random.default_rng(0).integers(0, 255, (30, 40, 3), np.uint8)
    png = str(tmp_path / 'a.png')
    cv2.imwrite(png, img)
    assert tool['main']([png, '--out-dir', str(tmp_path / 'out')]) == 0
    out = str(tmp_path / 'out' / 'a.npy')
    assert f'wrote {out}' in capsys.readouterr().out
    np.testing.assert_array_equal(np.load(out), img)
    with pytest.raises(FileExistsError, match='use --force'):
        tool['main']([png, '--out-dir', str(tmp_path / 'out')])
    tool['main']([png, '--out-dir', str(tmp_path / 'out'), '--force',
                  '--grayscale'])
    assert np.load(out).shape == (30, 40)
    tool['main']([png])  # beside the image
    assert osp.isfile(str(tmp_path / 'a.npy'))
