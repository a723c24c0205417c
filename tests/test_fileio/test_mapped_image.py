"""mmsniper.fileio.mapped_image: images mapped from .npy files, their pages
dropped after reading."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmsniper.fileio import mapped_image as mi


def _img(h=64, w=80, seed=0):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), np.uint8)


def test_save_map_roundtrip(tmp_path):
    img = _img()
    path = mi.save_mapped_image(img, str(tmp_path / 'a.npy'))
    assert not osp.exists(str(tmp_path / 'a.tmp.npy'))
    arr = mi.map_image(path)
    assert isinstance(arr, np.memmap) and arr.flags.writeable
    np.testing.assert_array_equal(arr, img)
    view = torch.from_numpy(arr).permute(2, 0, 1)
    assert mi.is_mapped(arr) and mi.is_mapped(view)
    assert mi.is_mapped(view[:, 10:20, 5:9])
    assert not mi.is_mapped(img) and not mi.is_mapped(torch.zeros(3))
    # a grayscale image maps as (H, W, 1)
    gray = mi.map_image(mi.save_mapped_image(img[..., 0],
                                             str(tmp_path / 'g.npy')))
    assert gray.shape == (64, 80, 1)


def test_convert_to_mapped_is_what_mmcv_decodes(tmp_path):
    import mmcv
    png = str(tmp_path / 'scene.png')
    cv2.imwrite(png, _img())
    out = mi.convert_to_mapped(png)
    assert out == str(tmp_path / 'scene.npy')
    np.testing.assert_array_equal(mi.map_image(out), mmcv.imread(png))
    with pytest.raises(ValueError, match='already a mapped image'):
        mi.convert_to_mapped(out, out)


@pytest.mark.parametrize('arr,match', [
    (np.zeros((4, 4, 3), np.float32), 'dtype float32'),
    (np.zeros((4, 4, 4), np.uint8), r'shape \(4, 4, 4\)'),
    (np.zeros((0, 4, 3), np.uint8), r'shape \(0, 4, 3\)'),
])
def test_bad_arrays_name_the_file(tmp_path, arr, match):
    path = str(tmp_path / 'bad.npy')
    np.save(path, arr)
    with pytest.raises(ValueError, match=match) as e:
        mi.map_image(path)
    assert path in str(e.value)
    with pytest.raises(ValueError, match=match):
        mi.save_mapped_image(arr, str(tmp_path / 'other.npy'))


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.npy'):
        mi.map_image(str(tmp_path / 'missing.npy'))
    junk = tmp_path / 'junk.npy'
    junk.write_bytes(b'not numpy')
    with pytest.raises(ValueError, match='junk.npy: not a numpy'):
        mi.map_image(str(junk))
    path = str(tmp_path / 'f.npy')
    np.save(path, np.asfortranarray(_img()))
    with pytest.raises(ValueError, match='C-ordered'):
        mi.map_image(path)
    with pytest.raises(ValueError, match='must end in .npy'):
        mi.save_mapped_image(_img(), str(tmp_path / 'a.jpg'))


def _rss_file_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('RssFile:'):
                return int(line.split()[1]) / 1024.
    pytest.skip('no RssFile in /proc/self/status')


@pytest.mark.skipif(not osp.exists('/proc/self/status'), reason='Linux')
def test_release_pages_drops_what_was_read(tmp_path, monkeypatch):
    img = _img(4096, 8192, seed=1)  # 96 MB
    arr = mi.map_image(mi.save_mapped_image(img, str(tmp_path / 'big.npy')))
    del img
    view = torch.from_numpy(arr).permute(2, 0, 1)
    before = _rss_file_mb()
    total = int(view.sum(dtype=torch.int64))  # touches every page
    touched = _rss_file_mb()
    assert touched - before > 80
    monkeypatch.setattr(mi, 'RELEASE_BYTES', 64 << 20)
    # counted until RELEASE_BYTES have been read, then dropped
    assert not mi.release_pages(view, 32 << 20)
    assert _rss_file_mb() - before > 80
    assert mi.release_pages(view[:, 100:], 32 << 20)
    assert _rss_file_mb() - before < 16
    # the values come back from the file
    assert int(view.sum(dtype=torch.int64)) == total
    # unmapped data is never released
    assert not mi.release_pages(torch.zeros(10), 1 << 30)
