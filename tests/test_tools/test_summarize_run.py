"""tools/misc/summarize_run.py: the closing summary of README command 1."""
import json
import os.path as osp
import subprocess
import sys


def _result(name, group, mAP, ms, mpix):
    return dict(name=name, group=group, mAP=mAP, AP50=mAP + 20,
                ms_per_img=ms, mpix_per_img=mpix)


def test_summary_with_comparison(tmp_path, repo_root):
    work = tmp_path / 'work'
    (work / '20260101_000000' / 'vis').mkdir(parents=True)
    (work / '20260101_000000' / 'vis' / 'a.jpg').write_bytes(b'x')
    (work / 'val_metrics.json').write_text(json.dumps(
        {'coco/bbox_mAP': 0.4, 'coco/bbox_mAP_50': 0.66,
         'pixels/mpix_per_img': 1.234, 'pixels/ratio_to_pyramid': 0.375}))
    cmp_file = tmp_path / 'cmp.json'
    cmp_file.write_text(json.dumps(dict(
        env=dict(images=40, data_root='data/synthetic/quickstart',
                 split='val'),
        results=[_result('full pyramid', 'pyramid', 50.0, 2000., 4.0),
                 _result('AutoFocus (t=0.2)', 'autofocus', 47.5, 800., 1.0)
                 ])))
    out = subprocess.run(
        [sys.executable, osp.join(repo_root, 'tools/misc/summarize_run.py'),
         str(work), '--tta', '--train-seconds', '420',
         '--test-seconds', '60', '--compare-seconds', '120',
         '--comparison', str(cmp_file)],
        capture_output=True, text=True, check=True).stdout
    assert 'synthetic val split, tools/test.py --tta)' in out
    assert 'pixels processed     1.23 Mpix/img (37.5% of the full pyramid)' \
        in out
    assert 'coco/bbox_mAP_50     0.660' in out
    assert 'train time           7.0 min' in out
    assert '40 images of quickstart/val' in out
    assert 'AutoFocus: 2.50x faster, 4.00x fewer pixels, -2.5 mAP points' \
        in out
    summary = json.load(open(work / 'summary.json'))
    assert summary['comparison'][1]['group'] == 'autofocus'
    assert summary['compare_seconds'] == 120
    assert len(summary['pictures']) == 1


def test_summary_without_metrics_fails(tmp_path, repo_root):
    res = subprocess.run(
        [sys.executable, osp.join(repo_root, 'tools/misc/summarize_run.py'),
         str(tmp_path)], capture_output=True, text=True)
    assert res.returncode == 2 and 'no metrics file' in res.stderr


def _summarize(repo_root, work, *args):
    return subprocess.run(
        [sys.executable, osp.join(repo_root, 'tools/misc/summarize_run.py'),
         str(work), *args], capture_output=True, text=True, check=True).stdout


def test_summary_pixels_optional(tmp_path, repo_root):
    """Without ProcessedPixelsMetric keys no pixel line; without the full
    pyramid's pixels no percentage; no --tta, no --tta in the title."""
    (tmp_path / 'val_metrics.json').write_text(json.dumps(
        {'coco/bbox_mAP': 0.25}))
    out = _summarize(repo_root, tmp_path)
    assert 'synthetic val split)' in out and '--tta' not in out
    assert 'coco/bbox_mAP        0.250' in out
    assert 'pixels processed' not in out
    (tmp_path / 'val_metrics.json').write_text(json.dumps(
        {'coco/bbox_mAP': 0.25, 'pixels/mpix_per_img': 0.5}))
    out = _summarize(repo_root, tmp_path)
    assert 'pixels processed     0.50 Mpix/img\n' in out
    assert 'full pyramid' not in out
    # ProcessedPixelsMetric's percentage (preferred to the ratio) and the
    # pyramid's own pixels
    (tmp_path / 'val_metrics.json').write_text(json.dumps(
        {'pixels/mpix_per_img': 0.5, 'pixels/pct_of_pyramid': 20.0,
         'pixels/ratio_to_pyramid': 0.3,
         'pixels/pyramid_mpix_per_img': 2.5}))
    out = _summarize(repo_root, tmp_path)
    assert ('pixels processed     0.50 Mpix/img (20.0% of the full pyramid '
            'of 2.50 Mpix/img)') in out
    summary = json.load(open(tmp_path / 'summary.json'))
    assert summary['metrics']['pixels/mpix_per_img'] == 0.5


def test_summary_rejects_mode(tmp_path, repo_root):
    """The removed --mode flag is an argparse error, not silently kept."""
    (tmp_path / 'val_metrics.json').write_text('{}')
    res = subprocess.run(
        [sys.executable, osp.join(repo_root, 'tools/misc/summarize_run.py'),
         str(tmp_path), '--mode', 'autofocus'], capture_output=True,
        text=True)
    assert res.returncode == 2 and '--mode' in res.stderr
