"""tools/analysis/huge_images_report.py: the table and the growth line."""
import argparse
import os.path as osp
import runpy


def _rec(mpix, peak, inp='mapped .npy'):
    return dict(mode='pyramid', input=inp, mpix=mpix, seconds=1.0,
                baseline_rss_mb=512., peak_rss_mb=peak, detections=10,
                pixels_processed=150, full_pyramid_pixels=100)


def test_table_and_growth(repo_root, tmp_path, capsys):
    rep = argparse.Namespace(**runpy.run_path(
        osp.join(repo_root, 'tools', 'analysis', 'huge_images_report.py')))
    records = [_rec(200., 1536.), _rec(22., 1024.),
               _rec(22., 1024., 'decoded JPEG')]
    rep.print_table(records)
    out = capsys.readouterr().out
    assert '| pyramid | mapped .npy | 22.0 | 1.0 | 0.50 | 1.00 | 0.50 | 10 | ' \
        '150 |' in out
    assert 'pyramid, mapped .npy: peak grows +50% from 22 to 200 Mpix' in out
    assert 'decoded JPEG: peak grows' not in out  # one size only
    rep.plot(records, str(tmp_path / 'p.png'))
    assert osp.getsize(str(tmp_path / 'p.png')) > 0
