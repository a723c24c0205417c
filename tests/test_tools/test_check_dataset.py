"""tools/misc/check_dataset.py and the pre-flight counts of
tools/analysis/chip_stats.py (the same as training's)."""
import importlib.util
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

CFG = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'


def _tool(repo_root, rel):
    path = osp.join(repo_root, rel)
    spec = importlib.util.spec_from_file_location(
        osp.basename(rel)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def data(tiny_synthetic_root, tmp_path):
    """A copy of the tiny preset (train + val) in the layout of CFG."""
    root = tmp_path / 'tiny'
    for split in ('train', 'val'):
        shutil.copytree(osp.join(tiny_synthetic_root, split), root / split)
    shutil.copytree(osp.join(tiny_synthetic_root, 'annotations'),
                    root / 'annotations')
    return root


def _inject_bad_boxes(ann_file):
    """Degenerate, outside, unknown category, NaN, inf and partly outside
    boxes on image 1 (the inf one first: mmdet would keep it)."""
    coco = json.load(open(ann_file))
    img = coco['images'][0]
    w = img['width']
    base = dict(image_id=img['id'], category_id=1, iscrowd=0, area=400.)
    boxes = [[10, 10, float('inf'), 20], [10, 10, -4, 20], [w + 5, 10, 20, 20],
             [float('nan'), 10, 20, 20], [-5, 10, 20, 20], [50, 50, 20, 20]]
    extra = [dict(base, id=10000 + k, bbox=b) for k, b in enumerate(boxes)]
    extra[-1]['category_id'] = 42
    coco['annotations'] = extra[:1] + coco['annotations'] + extra[1:]
    json.dump(coco, open(ann_file, 'w'))
    return len(coco['annotations'])


def _argv(root, *more):
    return [CFG, '--cfg-options',
            f'train_dataloader.dataset.dataset.data_root={root}/',
            f'val_dataloader.dataset.data_root={root}/', *more]


def test_clean_data_exits_0(repo_root, data, capsys, monkeypatch):
    tool = _tool(repo_root, 'tools/misc/check_dataset.py')
    monkeypatch.chdir(repo_root)
    assert tool.main(_argv(data)) == 0
    out = capsys.readouterr().out
    assert '8 images, 143 annotations; no problem' in out
    assert 'result: OK' in out
    assert tool.main(_argv(data, '--split', 'val', '--decode')) == 0
    assert '4 images' in capsys.readouterr().out


def test_problems_table_and_exit_code(repo_root, data, capsys,
                                      monkeypatch):
    tool = _tool(repo_root, 'tools/misc/check_dataset.py')
    monkeypatch.chdir(repo_root)
    _inject_bad_boxes(data / 'annotations' / 'instances_train.json')
    assert tool.main(_argv(data)) == 0  # box problems: warn by default
    out = capsys.readouterr().out
    for reason, n in (('nonfinite_box', 2), ('degenerate_box', 1),
                      ('outside_box', 1), ('unknown_category', 1),
                      ('partly_outside_box', 1)):
        assert any(line.split()[:1] == [reason] and line.split()[-1] == str(n)
                   for line in out.splitlines()), (reason, out)
    assert "image 1 (000000.jpg) annotation 10000: field 'bbox'" in out
    assert tool.main(_argv(data, '--policy', 'error')) == 1
    # a missing image fails the run (subprocess: the real exit status)
    os.remove(data / 'train' / '000003.jpg')
    res = subprocess.run(
        [sys.executable, osp.join(repo_root, 'tools/misc/check_dataset.py'),
         *_argv(data)], capture_output=True, text=True, cwd=repo_root,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert res.returncode == 1, res.stderr[-2000:]
    assert 'missing_image' in res.stdout and '000003.jpg not found' in \
        res.stdout and 'result: FAILED' in res.stdout
    assert tool.main(_argv(data, '--policy', 'warn')) == 0


def test_chip_stats_counts_equal_training(repo_root, data, capsys):
    from mmengine.registry import init_default_scope

    from mmsniper.datasets import SniperDataset
    from mmsniper.testing.sniper_toy import chip_pipeline
    init_default_scope('mmdet')
    ann_file = data / 'annotations' / 'instances_train.json'
    total = _inject_bad_boxes(ann_file)
    stats = _tool(repo_root, 'tools/analysis/chip_stats.py')
    records, report = stats.load_checked_records(str(ann_file))
    ds = SniperDataset(
        dict(type='SyntheticScaleDataset', data_root=f'{data}/',
             ann_file='annotations/instances_train.json',
             data_prefix=dict(img='train/'),
             filter_cfg=dict(filter_empty_gt=False), pipeline=chip_pipeline()),
        chip_cfg=dict(scales=(1.0, 0.5, 256),
                      valid_ranges=((-1, 64), (40, 160), (120, -1)),
                      chip_size=256, stride=(28, 31)))
    trained = ds.preflight_report
    assert report.counts == trained.counts == {
        'nonfinite_box': 2, 'degenerate_box': 1, 'outside_box': 1,
        'partly_outside_box': 1, 'unknown_category': 1}
    seen = [len(b) for b in ds._anns.boxes]
    assert [len(r['bboxes']) for r in records] == seen
    assert sum(seen) == total - 5 == 143 + 1  # the partly outside one stays
    stats.main([str(ann_file), '--no-suggest'])
    out = capsys.readouterr().out
    assert f'(8 images, {sum(seen)} boxes)' in out
    assert 'nonfinite_box' in out


def test_chip_stats_valid_ranges_starting_with_a_dash(repo_root, data,
                                                      capsys):
    stats = _tool(repo_root, 'tools/analysis/chip_stats.py')
    ann = str(data / 'annotations' / 'instances_train.json')
    args = stats.parse_args([ann, '--scales', '2,1,512', '--valid-ranges',
                             '-1:100,50:200,150:-1', '--stride', '56:59'])
    assert args.valid_ranges == '-1:100,50:200,150:-1'
    assert args.stride == '56:59' and args.ann_file == ann
    assert stats.parse_args([ann, '--valid-ranges=-1:80,32:150,120:-1']
                            ).valid_ranges == '-1:80,32:150,120:-1'
    stats.main([ann, '--scales', '2,1,512', '--valid-ranges',
                '-1:100,50:200,150:-1', '--no-suggest'])
    out = capsys.readouterr().out
    assert '[-1, 100)' in out and '[150, -1)' in out
