"""tools/analysis/focus_coverage.py: the containment rule on hand-made
boxes, and the script end to end on one tiny image with random weights."""
import json
import os.path as osp

import numpy as np

AF_CFG = 'configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'  # noqa: E501

#: the smoke test's small scales and budgets (test_benchmark_inference.py)
FAST = [
    'model.test_cfg.rpn.max_per_img=30',
    'tta_model.autofocus_cfg.scales=[64,0.25,0.5]',
    'sniper.test_rpn_budget.min=30', 'sniper.test_rpn_budget.max=30'
]


def test_chip_coverage_hand_made(load_tool):
    cov = load_tool('focus_coverage')
    chips = np.array([[0, 0, 100, 100], [200, 200, 300, 300]], float)
    gt = np.array([
        [10, 10, 20, 20],  # inside the first chip
        [95, 95, 110, 110],  # cut by the first
        [150, 150, 160, 160],  # in no chip, touching none
        [-0.5, 0, 100.5, 100],  # inside within the 1 px slack
        [190, 250, 210, 260],  # cut by the second
        [210, 210, 290, 290],  # inside the second
    ], float)
    inside, cut = cov.chip_coverage(gt, chips)
    assert inside.tolist() == [True, False, False, True, False, True]
    assert cut.tolist() == [False, True, False, False, True, False]
    # no slack: the box 0.5 px over the border is cut, not inside
    inside, cut = cov.chip_coverage(gt, chips, tol=0.)
    assert inside[3] == False and cut[3] == True  # noqa: E712
    # no chips / no boxes
    inside, cut = cov.chip_coverage(gt, np.zeros((0, 4)))
    assert not inside.any() and not cut.any()
    assert cov.chip_coverage(np.zeros((0, 4)), chips)[0].shape == (0, )


def test_focus_coverage_smoke(repo_root, load_tool, tiny_synthetic_root,
                              random_ckpt, tmp_path, capsys):
    cov = load_tool('focus_coverage')
    out = str(tmp_path / 'cov.json')
    results = cov.main([
        osp.join(repo_root, AF_CFG), random_ckpt, '--data-root',
        tiny_synthetic_root, '--split', 'val', '--num-images', '1',
        '--af-points', '0.9,0.9', '--out', out, '--cfg-options'
    ] + FAST)
    assert [r['method'] for r in results][-1] == 'oracle'
    assert results[0]['method'].startswith('AutoFocus ')
    ann = json.load(open(osp.join(tiny_synthetic_root, 'annotations',
                                  'instances_val.json')))
    first = min(im['id'] for im in ann['images'])
    num = sum(a['image_id'] == first and not a.get('iscrowd', 0)
              for a in ann['annotations'])
    for r in results:
        assert sum(r['boxes_per_bin']) == num
        for s in (1, 2):
            for i, c in zip(r[f'scale{s}_inside'], r[f'scale{s}_cut']):
                assert 0 <= i and 0 <= c and i + c <= 1 + 1e-9
    assert json.load(open(out))['results'] == results
    assert '| oracle | 2 |' in capsys.readouterr().out
