"""tools/analysis/benchmark_inference.py end to end on one tiny image with
random weights (a smoke test of the script that README command 1 runs; the
benchmark's numbers come from a trained model, docs/benchmarks.md)."""
import importlib.util
import json
import os.path as osp

import pytest

CFG = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
SNIPER_CFG = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501
LEAF_CFG = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_pyramid-test.py'  # noqa: E501
FAST = [
    'model.test_cfg.rpn.max_per_img=30',
    'tta_model.autofocus_cfg.scales=[64,0.25,0.5]',
    'sniper.test_scales=[0.5,0.25,64]',
    'sniper.test_rpn_budget.min=30',  # both wrappers (min <= max)
    'sniper.test_rpn_budget.max=30',
]


def _load(repo_root, name='benchmark_inference'):
    path = osp.join(repo_root, 'tools', 'analysis', f'{name}.py')
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_inference_smoke(repo_root, tiny_synthetic_root,
                                   random_ckpt, tmp_path, capsys):
    bench = _load(repo_root)
    out, png = str(tmp_path / 'res.json'), str(tmp_path / 'plot.png')
    results = bench.main([
        osp.join(repo_root, CFG), random_ckpt, '--data-root',
        tiny_synthetic_root, '--split', 'val', '--num-images', '1',
        '--methods', 'single', 'pyramid', 'autofocus', 'oracle',
        '--single-scale',
        '0.25', '--af-points', 'config', '0.9,0.9,2,2', '--threads', '1',
        '--out', out, '--plot', png, '--choose-within', '100', '-1',
        '--cfg-options'
    ] + FAST)
    names = [r['name'] for r in results]
    assert [r['group'] for r in results] == [
        'single', 'pyramid', 'autofocus', 'autofocus', 'oracle', 'oracle']
    # the config's own operating point, then the one given
    assert 't=0.2 k=3 d=3, t=0.2 k=8 d=3' in names[2]
    assert 't=0.9 k=2 d=3, t=0.9 k=2 d=3' in names[3]
    # the oracle at the same chip sizes (thresholds do not apply)
    assert names[4].startswith('oracle FocusPixels (coarse ')
    assert names[4].endswith('; k=3 d=3, k=8 d=3)')
    assert names[5].endswith('; k=2 d=3, k=2 d=3)')
    for r in results:
        assert r['ms_per_img'] > 0 and r['mpix_per_img'] > 0
        assert 0 <= r['mAP'] <= 100
    # pyramid pixels: the three scales of a ~1000-1300 px image
    pyr = results[1]
    assert len(pyr['mpix_per_scale']) == 3
    assert pyr['mpix_per_img'] == pytest.approx(sum(pyr['mpix_per_scale']))
    saved = json.load(open(out))
    assert saved['env']['images'] == 1
    assert [r['name'] for r in saved['results']] == names
    assert open(png, 'rb').read(8) == b'\x89PNG\r\n\x1a\n'
    # within 100 mAP every point qualifies: the one with fewer pixels wins
    # (and names its --af-points value); no point is above the pyramid by 1
    assert [r['point'] for r in results[2:4]] == ['config', '0.9,0.9,2,2']
    best = min(results[2:4], key=lambda r: r['mpix_per_img'])
    assert saved['chosen'][0].startswith(
        f"within 100 mAP of the pyramid: --af-points {best['point']} (")
    assert saved['chosen'][1] == ('within -1 mAP of the pyramid: no '
                                  'AutoFocus point')
    table = capsys.readouterr().out
    assert '| full pyramid (0.5/0.25/64) |' in table
    assert 'speed-up vs pyramid' in table


def test_benchmark_inference_bad_point(repo_root, tiny_synthetic_root,
                                       random_ckpt, tmp_path):
    bench = _load(repo_root)
    with pytest.raises(ValueError, match='--af-points 0.1,0.2,0.3'):
        bench.main([
            osp.join(repo_root, CFG), random_ckpt, '--data-root',
            tiny_synthetic_root, '--split', 'val', '--num-images', '1',
            '--methods', 'autofocus', '--af-points', '0.1,0.2,0.3', '--out',
            str(tmp_path / 'r.json')
        ])


def _cfg(repo_root, path, options=None):
    from mmengine.config import Config

    from mmsniper.engine import resolve_sniper_block
    cfg = Config.fromfile(osp.join(repo_root, path))
    if options:
        cfg.merge_from_dict(options)
    return resolve_sniper_block(cfg)


def _plain(v):
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def test_pyramid_wrapper_cfg(repo_root):
    """The AutoFocus config's tta_model is AutoFocus: the pyramid is the
    base's tta_model at the `sniper` block's test scales and ranges, the
    same wrapper as the SNIPER config's own tta_model."""
    bench = _load(repo_root, 'inference_methods')
    opts = {'sniper.test_scales': [0.5, 0.25, 64]}
    af = bench.pyramid_wrapper_cfg(_cfg(repo_root, CFG, opts))
    sn = bench.pyramid_wrapper_cfg(_cfg(repo_root, SNIPER_CFG, opts))
    assert af.type == sn.type == 'SniperMultiScaleTTA'
    assert _plain(af.tta_cfg.scales) == [0.5, 0.25, 64]
    assert _plain(af.tta_cfg.valid_ranges) == [[-1, 72], [40, 192],
                                               [75, -1]]
    assert _plain(af.tta_cfg.rpn_budget) == dict(per_mpix=510, min=100,
                                                 max=3000)
    assert 'from_block' not in af.tta_cfg and 'module' not in af
    assert _plain(af) == _plain(sn)
    # the AutoFocus wrapper is the config's tta_model (budgets from the
    # block); the SNIPER config has none
    wrapper = bench.autofocus_wrapper_cfg(_cfg(repo_root, CFG))
    assert wrapper.type == 'AutoFocusDetector'
    assert _plain(wrapper.autofocus_cfg.scales) == [512, 0.75, 1.5]
    assert _plain(wrapper.autofocus_cfg.det_budget) == dict(
        per_mpix=170, min=100, max=1000)
    with pytest.raises(ValueError, match='autofocus_tta_model'):
        bench.autofocus_wrapper_cfg(_cfg(repo_root, SNIPER_CFG))


def test_af_point(repo_root):
    """--af-points values land in autofocus_cfg.focus / scales[0] (the
    AutoFocusDetector key names); the config's dict is not changed."""
    bench = _load(repo_root, 'inference_methods')
    wrapper = bench.autofocus_wrapper_cfg(_cfg(repo_root, CFG))
    wcfg, desc = bench.af_point(wrapper, '0.5,0.6,4,5,1,2,384')
    assert _plain(wcfg.autofocus_cfg.focus) == [
        dict(dilation=1, threshold=0.5, min_chip_cells=4),
        dict(dilation=2, threshold=0.6, min_chip_cells=5)]
    assert _plain(wcfg.autofocus_cfg.scales) == [384, 0.75, 1.5]
    assert desc == 'coarse 384; t=0.5 k=4 d=1, t=0.6 k=5 d=2'
    assert wrapper.autofocus_cfg.focus[0]['threshold'] == 0.2
    assert wrapper.autofocus_cfg.scales[0] == 512
    _, desc = bench.af_point(wrapper, 'config')
    assert desc == 'coarse 512; t=0.2 k=3 d=3, t=0.2 k=8 d=3'


def test_benchmark_inference_rejects_leaf_config(repo_root, random_ckpt,
                                                 tmp_path):
    """A *_pyramid-test.py config's model already is the wrapper."""
    bench = _load(repo_root)
    with pytest.raises(ValueError, match='training config'):
        bench.main([osp.join(repo_root, LEAF_CFG), random_ckpt, '--out',
                    str(tmp_path / 'r.json')])


def test_check_focus_weights(repo_root):
    """AutoFocus refuses a checkpoint without FocusPixel head weights."""
    bench = _load(repo_root)
    bench.check_focus_weights(
        dict(state_dict={'focus_head.conv.weight': 0}), 'a.pth')
    bench.check_focus_weights({'module.focus_head.w': 0}, 'a.pth')
    with pytest.raises(RuntimeError, match='b.pth has no FocusPixel head'):
        bench.check_focus_weights(
            dict(state_dict={'backbone.conv1.weight': 0}), 'b.pth')


def _res(group, mAP, mpix, ms=100., point=None):
    return dict(name=group, group=group, mAP=mAP, mpix_per_img=mpix,
                ms_per_img=ms, point=point)


def test_choose_point(repo_root):
    """The fewest pixels within the drop; the higher mAP on a tie; none
    when no point is close enough; the pyramid is required."""
    report = _load(repo_root, 'inference_report')
    results = [
        _res('pyramid', 80.0, 8.0, 800.), _res('oracle', 80.0, 1.0),
        _res('autofocus', 79.5, 4.0, point='a'),
        _res('autofocus', 78.8, 2.0, point='b'),
        _res('autofocus', 77.0, 1.5, point='c'),
        _res('autofocus', 79.2, 2.0, point='d'),
    ]
    assert report.choose_point(results, 1.0)['point'] == 'd'  # tie: mAP
    assert report.choose_point(results, 0.6)['point'] == 'a'
    assert report.choose_point(results, 3.0)['point'] == 'c'
    assert report.choose_point(results, 0.1) is None  # the oracle is not
    lines = report.chosen_lines(results, [1.0, 0.1])
    assert lines[0] == ('within 1 mAP of the pyramid: --af-points d '
                        '(autofocus): -0.8 mAP, 4.00x fewer pixels, '
                        '8.00x faster')
    assert lines[1].endswith('no AutoFocus point')
    with pytest.raises(ValueError, match='needs the pyramid'):
        report.choose_point(results[1:], 1.0)


def test_choose_within_needs_the_pyramid(repo_root, random_ckpt, tmp_path):
    bench = _load(repo_root)
    with pytest.raises(ValueError, match='--choose-within'):
        bench.main([osp.join(repo_root, CFG), random_ckpt, '--methods',
                    'autofocus', '--choose-within', '1', '--out',
                    str(tmp_path / 'r.json')])


def test_load_split_hand_made(repo_root, tmp_path):
    """``load_split``: the first ``num`` images by id, xywh to xyxy, crowd
    boxes kept unless ``skip_crowd``, images without boxes kept empty."""
    bench = _load(repo_root, 'inference_samples')
    (tmp_path / 'annotations').mkdir()
    ann = dict(
        images=[dict(id=7, file_name='b.jpg'), dict(id=3, file_name='a.jpg'),
                dict(id=9, file_name='c.jpg')],
        annotations=[
            dict(id=1, image_id=3, bbox=[1, 2, 10, 20], iscrowd=0),
            dict(id=2, image_id=3, bbox=[0, 0, 5, 5], iscrowd=1),
            dict(id=3, image_id=9, bbox=[4, 4, 1, 1]),  # not kept (num=2)
        ],
        categories=[dict(id=1, name='a')])
    with open(tmp_path / 'annotations' / 'instances_val.json', 'w') as f:
        json.dump(ann, f)
    loaded, images, gts = bench.load_split(str(tmp_path), 'val', 2)
    assert loaded['categories'] == ann['categories']
    assert [im['id'] for im in images] == [3, 7]
    assert gts == {3: [[1, 2, 11, 22], [0, 0, 5, 5]], 7: []}
    _, _, gts = bench.load_split(str(tmp_path), 'val', 0, skip_crowd=True)
    assert gts == {3: [[1, 2, 11, 22]], 7: [], 9: [[4, 4, 5, 5]]}


def test_plot_label_names_the_whole_point(repo_root):
    """The plot's AutoFocus labels carry k and d, so that two points with the
    same thresholds and different chip sizes are told apart."""
    report = _load(repo_root, 'inference_report')
    a = dict(group='autofocus', name='AutoFocus (coarse 512; t=0.2 k=3 d=3, '
             't=0.2 k=6 d=2)')
    b = dict(group='autofocus', name='AutoFocus (coarse 512; t=0.2 k=3 d=3, '
             't=0.2 k=8 d=3)')
    assert report._short(a) == 'AF t=0.2/0.2 k=3/6 d=3/2'
    assert report._short(b) == 'AF t=0.2/0.2 k=3/8 d=3/3'
    assert report._short(dict(group='pyramid', name='x')) == 'full pyramid'
