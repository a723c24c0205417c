"""tools/analysis/chip_pictures.py: where a json's images are found."""
import argparse
import os.path as osp
import runpy

import pytest


@pytest.fixture(scope='module')
def pictures(repo_root):
    return argparse.Namespace(**runpy.run_path(
        osp.join(repo_root, 'tools', 'analysis', 'chip_pictures.py')))


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'')


def test_image_folder_search_order(pictures, tmp_path):
    ann = tmp_path / 'coco' / 'annotations' / 'instances_val2017.json'
    _touch(ann)
    records = [dict(file_name='a.jpg'), dict(file_name='b.jpg')]
    # none holds the images: every folder tried is reported
    d, tried = pictures.find_image_dir(str(ann), records)
    assert d is None
    assert tried == [str(ann.parent), str(ann.parent / 'val2017'),
                     str(tmp_path / 'coco' / 'val2017'),
                     str(tmp_path / 'coco')]
    # the split folder next to the annotations folder (COCO's layout)
    _touch(tmp_path / 'coco' / 'val2017' / 'b.jpg')
    d, _ = pictures.find_image_dir(str(ann), records)
    assert d == str(tmp_path / 'coco' / 'val2017')
    # a candidate (--img-dir) that holds them comes first
    _touch(tmp_path / 'imgs' / 'a.jpg')
    d, tried = pictures.find_image_dir(str(ann), records,
                                       [str(tmp_path / 'imgs')])
    assert d == str(tmp_path / 'imgs') and tried[0] == d
