"""The pre-flight check of one image file
(:func:`~mmsniper.datasets.preflight_files.check_image_file`): missing,
unreadable, truncated, declared size against the file; directly on
hand-made files, and named by image id and file through SniperDataset."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

import mmsniper  # noqa: F401
from mmsniper.datasets.preflight_files import check_image_file
from mmsniper.testing import TinyCopy

init_default_scope('mmdet')


@pytest.fixture
def tiny(tiny_synthetic_root, tmp_path):
    return TinyCopy(tiny_synthetic_root, str(tmp_path / 'tiny'))


def _image(path, w=4, h=3) -> str:
    """Write a ``w x h`` image (format from the suffix); returns ``path``."""
    img = np.arange(h * w * 3, dtype=np.uint8).reshape(h, w, 3)
    assert cv2.imwrite(str(path), img)
    return str(path)


# ------------------------------------------------------------------ direct
@pytest.mark.parametrize('suffix', ['.png', '.jpg', '.bmp'])
@pytest.mark.parametrize('decode', [False, True])
def test_intact_file_of_the_declared_size(tmp_path, suffix, decode):
    path = _image(tmp_path / f'a{suffix}')
    assert check_image_file(path, (4, 3), decode) == []
    assert check_image_file(path, None, decode) == []  # size unknown


def test_missing_and_directory(tmp_path):
    path = str(tmp_path / 'gone.png')
    assert check_image_file(path, (4, 3), True) == [
        ('missing_image', f"field 'file_name': {path} not found")]
    assert check_image_file(str(tmp_path), (4, 3), False) == [
        ('unreadable_image', f"field 'file_name': {tmp_path} is a directory")]


def test_not_an_image_file(tmp_path):
    path = tmp_path / 'a.png'
    path.write_text('hello')
    (reason, text), = check_image_file(str(path), (4, 3), False)
    assert reason == 'unreadable_image'
    assert text.startswith(f"field 'file_name': {path} cannot be read (")


def test_size_mismatch_names_each_wrong_field(tmp_path):
    path = _image(tmp_path / 'a.png')
    assert check_image_file(path, (5, 3), False) == [
        ('size_mismatch', "field 'width' declares 5 but the file is 4x3")]
    assert check_image_file(path, (4, 2), False) == [
        ('size_mismatch', "field 'height' declares 2 but the file is 4x3")]
    assert check_image_file(path, [6, 7], True) == [
        ('size_mismatch', "field 'width' declares 6 and field 'height' "
         'declares 7 but the file is 4x3')]


def test_truncated_jpeg_and_png_by_their_end_marker(tmp_path):
    for suffix, end in (('.jpg', 'JPEG end-of-image marker FFD9'),
                        ('.png', 'PNG IEND chunk')):
        path = _image(tmp_path / f'a{suffix}', 40, 30)
        data = open(path, 'rb').read()
        with open(path, 'wb') as f:
            f.write(data[:-12])
        assert check_image_file(path, (40, 30), False) == [
            ('truncated_image', f"field 'file_name': {path} is truncated "
             f'(no {end})')]
    # ... and a truncated file of the wrong size gets both problems
    reasons = [r for r, _ in check_image_file(path, (41, 30), False)]
    assert reasons == ['truncated_image', 'size_mismatch']


def test_truncated_bmp_is_found_by_decoding_only(tmp_path):
    """No end marker to look for: the header check passes, the decode
    (mmcv returns None) does not."""
    path = _image(tmp_path / 'a.bmp', 40, 30)
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    assert check_image_file(path, (40, 30), False) == []
    (reason, text), = check_image_file(path, (40, 30), True)
    assert reason == 'unreadable_image' and 'cannot be read' in text


def test_exif_orientation_swaps_width_and_height(tmp_path):
    """A JPEG rotated by EXIF (orientations 5-8) decodes (mmcv / OpenCV)
    transposed: its declared size must be the decoded one."""
    import mmcv
    path = str(tmp_path / 'rot.jpg')
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new('RGB', (120, 80), (200, 10, 10)).save(path, exif=exif)
    assert mmcv.imread(path).shape[:2] == (120, 80)  # h, w after rotation
    for decode in (False, True):
        assert check_image_file(path, (80, 120), decode) == []
        assert check_image_file(path, (120, 80), decode) == [
            ('size_mismatch', "field 'width' declares 120 and field "
             "'height' declares 80 but the file is 80x120")]


# ---------------------------------------------------- through the dataset
@pytest.mark.parametrize('delta', [-200, 100])
def test_declared_size_smaller_or_larger_than_the_file(tiny, delta):
    w, h = tiny.real_wh(0)
    tiny.img(0)['width'] = w + delta
    img_id, name = tiny.img(0)['id'], tiny.img(0)['file_name']
    msg = tiny.sniper_error(
        f'image {img_id} ({name})', 'size_mismatch',
        f"field 'width' declares {w + delta} but the file is {w}x{h}")
    assert "field 'height'" not in msg
    # without the check the smaller one trains silently on a part
    if delta < 0:
        tiny.sniper(preflight=False)


def test_600x500_declared_for_the_real_size(tiny):
    w, h = tiny.real_wh(0)
    tiny.img(0).update(width=600, height=500)
    tiny.sniper_error(
        f"image {tiny.img(0)['id']} ({tiny.img(0)['file_name']}): "
        f"field 'width' declares 600 and field 'height' declares 500 "
        f'but the file is {w}x{h}')


def test_missing_file(tiny):
    os.remove(tiny.path(1))
    img = tiny.img(1)
    tiny.sniper_error(
        'missing_image', f"image {img['id']} ({img['file_name']}): "
        f"field 'file_name': {tiny.path(1)} not found")


def test_directory_instead_of_file(tiny):
    os.remove(tiny.path(1))
    os.makedirs(tiny.path(1))
    msg = tiny.sniper_error('unreadable_image',
                            f'{tiny.path(1)} is a directory',
                            f"image {tiny.img(1)['id']} ")
    assert 'not found' not in msg


def test_not_an_image(tiny):
    with open(tiny.path(1), 'w') as f:
        f.write('hello')
    tiny.sniper_error('unreadable_image', f'{tiny.path(1)} cannot be read')


def test_truncated_jpeg(tiny):
    data = open(tiny.path(5), 'rb').read()
    with open(tiny.path(5), 'wb') as f:
        f.write(data[:len(data) // 2])
    img = tiny.img(5)
    tiny.sniper_error(
        'truncated_image', f"image {img['id']} ({img['file_name']}): "
        f"field 'file_name': {tiny.path(5)} is truncated (no JPEG "
        'end-of-image marker FFD9)')


def test_jpeg_padded_after_the_end_marker_is_fine(tiny):
    with open(tiny.path(5), 'ab') as f:
        f.write(b'\0' * 300)
    assert tiny.check().counts == {}


def test_truncated_png(tiny):
    img = tiny.img(6)
    png = img['file_name'].replace('.jpg', '.png')
    cv2.imwrite(osp.join(tiny.root, 'train', png), cv2.imread(tiny.path(6)))
    img['file_name'] = png
    assert tiny.check().counts == {}  # an intact PNG
    data = open(tiny.path(6), 'rb').read()
    with open(tiny.path(6), 'wb') as f:
        f.write(data[:-40])
    tiny.sniper_error('truncated_image', f"image {img['id']} ({png})",
                      'is truncated (no PNG IEND chunk)')

