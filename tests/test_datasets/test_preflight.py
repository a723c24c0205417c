"""Pre-flight dataset check: every bad case is named (file, image id,
field) or repaired with the right count; SniperDataset stops before the
first sample; repaired boxes are the same for the chips and the pipeline."""
import logging
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

import mmsniper  # noqa: F401
from mmsniper.datasets import SniperDataset
from mmsniper.datasets import preflight as pf
from mmsniper.datasets.preflight import (PreflightError, check_coco,
                                         check_dataset, resolve_policy)
from mmsniper.testing import CocoSplitCopy
from mmsniper.testing.sniper_toy import SYN_CHIP_CFG, chip_pipeline

init_default_scope('mmdet')



class TinyCopy(CocoSplitCopy):
    """A writable copy of the tiny preset's train split."""

    def __init__(self, src: str, dst: str) -> None:
        super().__init__(src, dst)
        self.write()

    def path(self, k: int = 0) -> str:
        return osp.join(self.root, 'train', self.img(k)['file_name'])

    def real_wh(self, k: int = 0):
        h, w = cv2.imread(self.path(k)).shape[:2]  # decoded, as mmcv does
        return w, h

    def anns(self, k: int = 0) -> list:
        return [a for a in self.coco['annotations']
                if a['image_id'] == self.img(k)['id']]

    def add_box(self, bbox, k: int = 0, first: bool = False, **kw) -> int:
        """Add a box to image ``k`` (before its others with ``first``)."""
        ann_id = max(a['id'] for a in self.coco['annotations']) + 1
        ann = dict(id=ann_id, image_id=self.img(k)['id'], bbox=list(bbox),
                   area=float(bbox[2] * bbox[3]), category_id=1, iscrowd=0)
        ann.update(kw)
        anns = self.coco['annotations']
        pos = anns.index(self.anns(k)[0]) if first else len(anns)
        anns.insert(pos, ann)
        return ann_id

    def check(self, **options):
        return check_coco(self.write(), osp.join(self.root, 'train'),
                          options=options)

    def dataset_cfg(self) -> dict:
        self.write()
        return dict(type='SyntheticScaleDataset', data_root=self.root + '/',
                    ann_file='annotations/train.json',
                    data_prefix=dict(img='train/'),
                    filter_cfg=dict(filter_empty_gt=False),
                    pipeline=chip_pipeline())

    def sniper(self, **kw) -> SniperDataset:
        return SniperDataset(self.dataset_cfg(), chip_cfg=SYN_CHIP_CFG, **kw)


@pytest.fixture
def tiny(tiny_synthetic_root, tmp_path):
    return TinyCopy(tiny_synthetic_root, str(tmp_path / 'tiny'))


def _raises(tiny, *needles, **kw):
    """SniperDataset construction fails with every needle in the text."""
    with pytest.raises(PreflightError) as e:
        tiny.sniper(**kw)
    for n in needles:
        assert n in str(e.value), (n, str(e.value))
    return str(e.value)


# ------------------------------------------------------------------ clean
def test_clean_tiny_preset_has_no_problem(tiny):
    rep = tiny.check(decode=True)
    assert rep.counts == {} and rep.bad_images == {} and rep.repairs == {}
    assert rep.num_images == 8 and rep.num_annotations == 143
    ds = tiny.sniper()
    assert ds.preflight_report.counts == {}
    assert sum(map(len, ds._anns.boxes)) == 143


# ------------------------------------------------------------------ sizes
@pytest.mark.parametrize('delta', [-200, 100])
def test_declared_size_smaller_or_larger_than_the_file(tiny, delta):
    w, h = tiny.real_wh(0)
    tiny.img(0)['width'] = w + delta
    img_id, name = tiny.img(0)['id'], tiny.img(0)['file_name']
    msg = _raises(tiny, f'image {img_id} ({name})', 'size_mismatch',
                  f"field 'width' declares {w + delta} but the file is "
                  f'{w}x{h}')
    assert "field 'height'" not in msg
    # without the check the smaller one trains silently on a part
    if delta < 0:
        tiny.sniper(preflight=False)


def test_600x500_declared_for_the_real_size(tiny):
    w, h = tiny.real_wh(0)
    tiny.img(0).update(width=600, height=500)
    _raises(tiny, f"image {tiny.img(0)['id']} ({tiny.img(0)['file_name']}): "
            f"field 'width' declares 600 and field 'height' declares 500 "
            f'but the file is {w}x{h}')


def test_size_mismatch_with_warn_drops_the_image(tiny):
    tiny.img(2)['height'] += 50
    ds = tiny.sniper(preflight=dict(size='warn'))
    rep = ds.preflight_report
    assert rep.counts == {'size_mismatch': 1}
    assert rep.bad_images == {tiny.img(2)['id']: ['size_mismatch']}
    assert ds._dropped_imgs == {2}
    assert ds.stats['images_with_chips'] == 7
    assert 2 not in {ds.get_chip_info(i)['img_idx'] for i in range(len(ds))}


def test_exif_orientation_swaps_width_and_height(tmp_path):
    """A JPEG rotated by EXIF (orientation 6) decodes (mmcv / OpenCV)
    transposed: its declared size must be the decoded one."""
    import mmcv
    path = str(tmp_path / 'rot.jpg')
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new('RGB', (120, 80), (200, 10, 10)).save(path, exif=exif)
    assert mmcv.imread(path).shape[:2] == (120, 80)  # h, w after rotation

    def coco(w, h):
        return dict(images=[dict(id=1, file_name='rot.jpg', width=w,
                                 height=h)], annotations=[],
                    categories=[dict(id=1, name='a')])
    assert check_coco(coco(80, 120), str(tmp_path)).counts == {}
    bad = check_coco(coco(120, 80), str(tmp_path))
    assert bad.counts == {'size_mismatch': 1}
    assert 'but the file is 80x120' in bad.format()


@pytest.mark.parametrize('key', ['width', 'height'])
def test_missing_size_is_named(tiny, key):
    del tiny.img(3)[key]
    img = tiny.img(3)
    _raises(tiny, 'missing_size',
            f"image {img['id']} ({img['file_name']}): field '{key}' is "
            'missing')


def test_missing_size_with_warn_drops_the_image_instead_of_keyerror(tiny):
    del tiny.img(3)['height']
    tiny.img(4)['width'] = 0
    ds = tiny.sniper(preflight=dict(size='drop'))
    assert ds.preflight_report.counts == {'missing_size': 2}
    assert ds._dropped_imgs == {3, 4}
    assert ds.stats['images_with_chips'] == 6
    # mmdet's own parse_data_info is back on the dataset
    assert 'parse_data_info' not in vars(ds.dataset)
    with pytest.raises(KeyError, match='height'):
        tiny.sniper(preflight=False)  # what it was before


# ------------------------------------------------------------------ files
def test_missing_file(tiny):
    os.remove(tiny.path(1))
    img = tiny.img(1)
    _raises(tiny, 'missing_image', f"image {img['id']} ({img['file_name']})"
            f": field 'file_name': {tiny.path(1)} not found")


def test_directory_instead_of_file(tiny):
    os.remove(tiny.path(1))
    os.makedirs(tiny.path(1))
    msg = _raises(tiny, 'unreadable_image', f'{tiny.path(1)} is a directory',
                  f"image {tiny.img(1)['id']} ")
    assert 'not found' not in msg


def test_not_an_image(tiny):
    with open(tiny.path(1), 'w') as f:
        f.write('hello')
    _raises(tiny, 'unreadable_image', f'{tiny.path(1)} cannot be read')


def test_truncated_jpeg(tiny):
    data = open(tiny.path(5), 'rb').read()
    with open(tiny.path(5), 'wb') as f:
        f.write(data[:len(data) // 2])
    img = tiny.img(5)
    _raises(tiny, 'truncated_image', f"image {img['id']} ({img['file_name']})"
            f": field 'file_name': {tiny.path(5)} is truncated (no JPEG "
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
    _raises(tiny, 'truncated_image', f"image {img['id']} ({png})",
            'is truncated (no PNG IEND chunk)')


def test_every_image_bad_is_an_error_whatever_the_policy(tiny):
    for k in range(8):
        os.remove(tiny.path(k))
    msg = _raises(tiny, 'every one of the 8 images is bad',
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
    _raises(tiny, 'nonfinite_box', f"annotation {ann_id}: field 'bbox' "
            '[100, 100, nan, 20] has NaN or inf', preflight=dict(box='error'))


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


def test_nan_and_inf_boxes_removed_for_chips_and_pipeline(tiny):
    """mmdet drops [nan, ...] silently but keeps [x, y, inf, h]; both go,
    placed before the image's other boxes so that every later index
    shifts, and a partly outside box is clipped the same way in both."""
    n = len(tiny.anns(0))
    w, h = tiny.img(0)['width'], tiny.img(0)['height']
    tiny.add_box([-10, 40, 50, 30], first=True)  # partly outside
    tiny.add_box([float('nan'), 10, 20, 20], first=True)
    tiny.add_box([10, 10, float('inf'), 20], first=True)
    ds = tiny.sniper()
    rep = ds.preflight_report
    assert rep.counts == {'nonfinite_box': 2, 'partly_outside_box': 1}
    leaf = ds.dataset.get_data_info(0)['instances']
    assert len(leaf) == n + 2  # mmdet kept the inf one and the partial one
    boxes = ds._anns.boxes[0]
    assert len(boxes) == n + 1 and np.isfinite(boxes).all()
    np.testing.assert_allclose(boxes[0], [0, 40, 40, 70])  # clipped
    assert (boxes[:, 0::2] <= w).all() and (boxes[:, 1::2] <= h).all()
    checked = 0
    for idx in range(len(ds)):
        chip = ds.get_chip_info(idx)
        if chip['img_idx'] != 0:
            continue
        info = ds.get_data_info(idx)
        got = np.array([x['bbox'] for x in info['instances']], np.float32)
        np.testing.assert_array_equal(got, boxes)  # pipeline == chips
        out = ds[idx]
        gt = out['data_samples'].gt_instances.bboxes.tensor.numpy()
        valid = chip['chip_valid_inds']
        assert len(gt) == len(valid) and np.isfinite(gt).all()
        # the packed valid boxes are the chip engine's boxes[valid]
        ox, oy = chip['chip_scaled'][:2]
        exp = boxes[valid] * chip['chip_factor'] - [ox, oy, ox, oy]
        np.testing.assert_allclose(np.sort(gt, 0), np.sort(exp, 0),
                                   atol=0.05)
        checked += len(valid)
    assert checked > 0


def test_malformed_box_is_removed_before_mmdet_parses(tiny):
    ann_id = tiny.add_box([10, 10, 30, 30])
    del tiny.coco['annotations'][-1]['area']
    ds = tiny.sniper()
    assert ds.preflight_report.counts == {'malformed_box': 1}
    assert len(ds._anns.boxes[0]) == len(tiny.anns(0)) - 1
    assert f"annotation {ann_id}: field 'area' None" in \
        ds.preflight_report.format()


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


def test_preflight_off(tiny):
    assert tiny.sniper(preflight=False).preflight_report is None
    tiny.add_box([10, 10, float('inf'), 20])
    with pytest.raises(ValueError, match='NaN or inf'):  # as before
        tiny.sniper(preflight=None)
    assert tiny.sniper().preflight_report.counts == {'nonfinite_box': 1}


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


def test_lazy_sniper_dataset_raises_in_full_init_before_loading(tiny):
    os.remove(tiny.path(2))
    ds = tiny.sniper(lazy_init=True)
    assert not ds.dataset._fully_initialized
    with pytest.raises(PreflightError, match='missing_image'):
        ds.full_init()
    assert not ds.dataset._fully_initialized  # mmdet loaded nothing yet


def test_concat_dataset_maps_verdicts_per_leaf(tiny_synthetic_root,
                                               tmp_path):
    """Both copies have image ids 1..8: the inf box of the second copy's
    image 1 must be removed there only."""
    a = TinyCopy(tiny_synthetic_root, str(tmp_path / 'a'))
    b = TinyCopy(tiny_synthetic_root, str(tmp_path / 'b'))
    b.add_box([10, 10, float('inf'), 20], first=True)
    ds = SniperDataset(
        dict(type='ConcatDataset',
             datasets=[a.dataset_cfg(), b.dataset_cfg()]),
        chip_cfg=SYN_CHIP_CFG)
    ra, rb = ds.preflight_report
    assert ra.counts == {} and rb.counts == {'nonfinite_box': 1}
    n = len(a.anns(0))
    assert len(ds._anns.boxes[0]) == n and len(ds._anns.boxes[8]) == n
    assert set(ds._repairs) == {8}
    assert np.isfinite(ds._anns.boxes[8]).all()
