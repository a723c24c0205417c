"""The pre-flight check (:mod:`mmsniper.datasets.preflight`): every bad
declared size, box or category is named (image id, file, annotation,
field) or repaired with the right count; policies and reports. The image
file checks are in test_preflight_files.py, the verdicts applied by
SniperDataset in test_sniper_preflight.py."""
import logging
import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmsniper  # noqa: F401
from mmsniper.datasets import SniperDataset
from mmsniper.datasets import preflight as pf
from mmsniper.datasets.preflight import check_dataset, resolve_policy
from mmsniper.testing import TinyCopy

init_default_scope('mmdet')


@pytest.fixture
def tiny(tiny_synthetic_root, tmp_path):
    return TinyCopy(tiny_synthetic_root, str(tmp_path / 'tiny'))


# ------------------------------------------------------------------ clean
def test_clean_tiny_preset_has_no_problem(tiny):
    rep = tiny.check(decode=True)
    assert rep.counts == {} and rep.bad_images == {} and rep.repairs == {}
    assert rep.num_images == 8 and rep.num_annotations == 143
    ds = tiny.sniper()
    assert ds.preflight_report.counts == {}
    assert sum(map(len, ds._anns.boxes)) == 143


# ------------------------------------------------------------------ sizes
@pytest.mark.parametrize('key', ['width', 'height'])
def test_missing_size_is_named(tiny, key):
    del tiny.img(3)[key]
    img = tiny.img(3)
    tiny.sniper_error(
        'missing_size',
        f"image {img['id']} ({img['file_name']}): field '{key}' is missing")


def test_every_image_bad_is_an_error_whatever_the_policy(tiny):
    for k in range(8):
        os.remove(tiny.path(k))
    msg = tiny.sniper_error('every one of the 8 images is bad',
                            preflight=dict(image='drop'))
    assert 'missing_image' in msg and '8' in msg


# ------------------------------------------------------------------ boxes
@pytest.mark.parametrize('bbox', [[100, 100, -5, 20], [100, 100, 0, 20],
                                  [100, 100, 20, 0.5]])
def test_degenerate_box_dropped_with_count(tiny, bbox):
    ann_id = tiny.add_box(bbox)
    rep = tiny.check()
    assert rep.counts == {'degenerate_box': 1}
    assert rep.examples['degenerate_box'][0][:3] == (
        tiny.img(0)['id'], tiny.img(0)['file_name'], ann_id)
    assert f"annotation {ann_id}: field 'bbox'" in rep.format()
    ds = tiny.sniper()
    assert len(ds._anns.boxes[0]) == len(tiny.anns(0)) - 1


def test_fully_outside_box(tiny):
    w = tiny.img(0)['width']
    ann_id = tiny.add_box([w + 10, 10, 30, 30])
    rep = tiny.check()
    assert rep.counts == {'outside_box': 1}
    assert f"annotation {ann_id}: field 'bbox'" in rep.format()
    assert 'is outside' in rep.format()


def test_unknown_category(tiny):
    ann_id = tiny.add_box([10, 10, 30, 30], category_id=99)
    rep = tiny.check()
    assert rep.counts == {'unknown_category': 1}
    assert (f"annotation {ann_id}: field 'category_id' 99 is not in "
            "'categories'") in rep.format()
    assert rep.dropped_anns == {tiny.img(0)['id']: {len(tiny.anns(0)) - 1}}


def test_crowd_box_is_no_problem(tiny):
    tiny.add_box([10, 10, 30, 30], iscrowd=1)
    rep = tiny.check()
    assert rep.counts == {} and rep.dropped_anns == {}


def test_box_policy_error_names_the_box(tiny):
    ann_id = tiny.add_box([100, 100, float('nan'), 20])
    tiny.sniper_error('nonfinite_box', f"annotation {ann_id}: field 'bbox' "
                      '[100, 100, nan, 20] has NaN or inf',
                      preflight=dict(box='error'))


def test_warn_logs_a_warning_drop_logs_info(tiny, monkeypatch):
    tiny.add_box([100, 100, float('inf'), 20])
    logged = []
    monkeypatch.setattr(pf, 'print_log',
                        lambda msg, logger, level: logged.append((level,
                                                                  msg)))
    tiny.check().log()
    assert any(lv == logging.WARNING and 'nonfinite_box' in m
               for lv, m in logged)
    logged.clear()
    tiny.check(box='drop').log()
    assert logged and all(lv == logging.INFO for lv, _ in logged)
    assert any('nonfinite_box' in m for _, m in logged)


# ------------------------------------------------------------------ options
def test_options_are_validated():
    with pytest.raises(KeyError, match="valid keys: .*'image'"):
        resolve_policy(dict(boxes='warn'))
    with pytest.raises(ValueError, match='must be in'):
        resolve_policy(dict(box='ignore'))
    pol = resolve_policy(dict(box='drop', nonfinite_box='error'))
    assert pol['degenerate_box'] == 'drop' and pol['nonfinite_box'] == 'error'
    assert pol['missing_image'] == 'error' and pol['size_mismatch'] == 'error'
    with pytest.raises(KeyError, match='unknown keys'):
        SniperDataset(dict(type='CocoDataset'), preflight=dict(bogus=1))


def test_non_coco_dataset_falls_back_to_get_data_info(tiny):
    from mmdet.datasets import BaseDetDataset

    class Listed(BaseDetDataset):
        METAINFO = dict(classes=('a', 'b'))

        def load_data_list(self):
            return [
                dict(img_path=tiny.path(0), img_id='x', width=10, height=10,
                     instances=[dict(bbox=[0, 0, 5, 5], bbox_label=0),
                                dict(bbox=[0, 0, np.inf, 5], bbox_label=1),
                                dict(bbox=[0, 0, 5, 5], bbox_label=7)]),
                dict(img_path=tiny.path(0) + '.gone', img_id='y', width=5,
                     height=5, instances=[])
            ]

    rep = check_dataset(Listed(ann_file='', lazy_init=True))
    assert 'get_data_info' in rep.source
    assert rep.counts == {'size_mismatch': 1, 'nonfinite_box': 1,
                          'unknown_category': 1, 'missing_image': 1}
    assert rep.repairs == {'x': (3, {1, 2}, set())}


