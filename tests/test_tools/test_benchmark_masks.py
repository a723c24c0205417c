"""tools/analysis/benchmark_masks.py: the tests' commands and their split."""
import json

import pytest


@pytest.fixture(scope='module')
def bench(load_tool):
    return load_tool('benchmark_masks')


def _opts(opts):
    return dict(o.split('=', 1) for o in opts)


def test_data_opts_point_the_test_loader_at_the_split(bench):
    test = _opts(bench._data_opts('data/q', 20))
    assert test['test_evaluator.0.ann_file'] == (
        'data/q/annotations/instances_test.json')
    assert test['test_dataloader.dataset.indices'] == '20'
    assert 'test_dataloader.dataset.ann_file' not in test  # the config's
    val = _opts(bench._data_opts('data/q', 0, 'val'))
    assert val['test_evaluator.0.ann_file'] == (
        'data/q/annotations/instances_val.json')
    assert val['test_dataloader.dataset.ann_file'] == (
        'annotations/instances_val.json')
    assert val['test_dataloader.dataset.data_prefix.img'] == 'val/'
    assert 'test_dataloader.dataset.indices' not in val  # 0: all images


def test_evaluate_runs_the_chosen_modes_on_the_split(bench, tmp_path,
                                                     monkeypatch):
    calls = []

    def fake_run(cmd, threads, log):
        calls.append(cmd)
        out = cmd[cmd.index('--metrics-out') + 1]
        mpix = 1.0 if '--tta' in cmd else 4.0
        with open(out, 'w') as f:
            json.dump({'coco/bbox_mAP': 0.3, 'coco/segm_mAP': 0.32,
                       'coco/bbox_mAP_50': 0.4, 'coco/segm_mAP_50': 0.41,
                       'pixels/mpix_per_img': mpix}, f)
        return 1.0

    monkeypatch.setattr(bench, '_run', fake_run)
    args = bench.parse_args([
        '--split', 'val', '--test-images', '0', '--modes', 'pyramid',
        'autofocus', '--work-dir', str(tmp_path), '--af-options',
        'tta_model.autofocus_cfg.focus.0.threshold=0.1'
    ])
    ev = bench.evaluate(args, 'ckpt.pth')
    assert list(ev) == ['pyramid', 'autofocus', 'autofocus_opts']
    assert calls[0][1].endswith('_pyramid-test.py')
    for cmd in calls:
        opts = _opts(cmd[cmd.index('--cfg-options') + 1:])
        assert opts['test_dataloader.dataset.data_prefix.img'] == 'val/'
    assert '--tta' in calls[2] and calls[2][-1].endswith('threshold=0.1')
    assert ev['autofocus']['segm_mAP'] == pytest.approx(32.0)
    bench.report_eval(ev)  # the gap line needs the pyramid row
    del ev['pyramid']
    bench.report_eval(ev)  # and is skipped without it


def test_modes_are_checked(bench):
    with pytest.raises(SystemExit):
        bench.parse_args(['--modes', 'sahi'])


def test_only_the_af_options_test(bench, tmp_path, monkeypatch):
    """``--modes autofocus_opts`` runs the --af-options test alone; without
    --af-options it is an error, not an empty run."""
    calls = []

    def fake_run(cmd, threads, log):
        calls.append(cmd)
        with open(cmd[cmd.index('--metrics-out') + 1], 'w') as f:
            json.dump({'coco/bbox_mAP': 0.3, 'coco/segm_mAP': 0.32,
                       'coco/bbox_mAP_50': 0.4, 'coco/segm_mAP_50': 0.41,
                       'pixels/mpix_per_img': 1.0}, f)
        return 1.0

    monkeypatch.setattr(bench, '_run', fake_run)
    args = bench.parse_args([
        '--modes', 'autofocus_opts', '--work-dir', str(tmp_path),
        '--af-options', 'tta_model.autofocus_cfg.focus.0.threshold=0.05'
    ])
    assert list(bench.evaluate(args, 'ckpt.pth')) == ['autofocus_opts']
    assert len(calls) == 1 and calls[0][-1].endswith('threshold=0.05')
    with pytest.raises(ValueError, match='--af-options'):
        bench.main(['--modes', 'autofocus_opts', '--work-dir',
                    str(tmp_path), '--checkpoint', 'ckpt.pth'])
