"""LoadMappedImage: .npy images mapped, any other file decoded as by
LoadImageFromFile; PackImageView packs the mapping without a copy."""
import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import LoadImageFromFile

from mmsniper.chips.crop_resize import crop_resize_tensor
from mmsniper.datasets.transforms import LoadMappedImage, PackImageView
from mmsniper.fileio import convert_to_mapped, is_mapped, save_mapped_image


@pytest.fixture
def files(tmp_path):
    img = np.random.default_rng(0).integers(0, 255, (48, 64, 3), np.uint8)
    png = str(tmp_path / 'a.png')
    cv2.imwrite(png, img)
    return png, convert_to_mapped(png)


def test_maps_npy_and_decodes_the_rest(files):
    png, npy = files
    ref = LoadImageFromFile()(dict(img_path=png))
    mapped = LoadMappedImage()(dict(img_path=npy))
    assert isinstance(mapped['img'], np.memmap) and is_mapped(mapped['img'])
    np.testing.assert_array_equal(mapped['img'], ref['img'])
    assert mapped['img_shape'] == mapped['ori_shape'] == (48, 64)
    plain = LoadMappedImage()(dict(img_path=png))
    assert not is_mapped(plain['img'])
    np.testing.assert_array_equal(plain['img'], ref['img'])
    f32 = LoadMappedImage(to_float32=True)(dict(img_path=npy))
    assert f32['img'].dtype == np.float32


def test_packed_view_is_the_mapping(files):
    _, npy = files
    results = LoadMappedImage()(dict(img_path=npy, img_id=0))
    packed = PackImageView(meta_keys=('img_id', 'img_shape', 'ori_shape'))(
        results)
    inputs = packed['inputs']
    assert inputs.shape == (3, 48, 64) and is_mapped(inputs)
    ref = torch.from_numpy(np.array(results['img'])).permute(2, 0, 1)
    for f, origin, shape in [(1.0, (3, 5), (20, 30)), (0.5, (0, 0), (24, 32)),
                             (1.7, (10.2, 4.5), (40, 50))]:
        torch.testing.assert_close(
            crop_resize_tensor(inputs, f, origin, shape, band_pixels=256),
            crop_resize_tensor(ref, f, origin, shape, band_pixels=256))


def test_bad_mapped_images(files, tmp_path):
    png, npy = files
    with pytest.raises(ValueError, match=r"a.npy holds 3 channel\(s\), "
                       "color_type='grayscale' needs 1"):
        LoadMappedImage(color_type='grayscale')(dict(img_path=npy))
    gray = save_mapped_image(np.zeros((8, 8), np.uint8),
                             str(tmp_path / 'g.npy'))
    assert LoadMappedImage(color_type='grayscale')(
        dict(img_path=gray))['img'].shape == (8, 8, 1)
    with pytest.raises(ValueError, match='needs 3'):
        LoadMappedImage()(dict(img_path=gray))
    with pytest.raises(ValueError, match='cannot be mapped'):
        LoadMappedImage(color_type='color_ignore_orientation')(
            dict(img_path=npy))
    with pytest.raises(ValueError, match='only be mapped from a local file'):
        LoadMappedImage(backend_args=dict(backend='petrel'))(
            dict(img_path=npy))
    missing = str(tmp_path / 'missing.npy')
    with pytest.raises(FileNotFoundError, match='missing.npy'):
        LoadMappedImage()(dict(img_path=missing))
    assert LoadMappedImage(ignore_empty=True)(dict(img_path=missing)) is None
