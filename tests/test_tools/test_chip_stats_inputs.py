"""tools/analysis/chip_stats_inputs.py: chip parameters and the records
chip_stats counts."""
import json

import numpy as np


def test_parse_stride(load_tool):
    tool = load_tool('chip_stats_inputs')
    assert tool.parse_stride('56:59') == (56, 59)
    assert tool.parse_stride('32') == 32


def test_chip_params_command_line_over_config(load_tool):
    tool = load_tool('chip_stats_inputs')

    class Args:
        scales, valid_ranges, chip_size = '2,1', '-1:80,40:-1', None
        stride, no_prune = '16:20', True

    params = tool.chip_params(Args, dict(chip_size=64, scales=[3.0, 1.0]))
    assert params['scales'] == (2.0, 1.0)
    assert params['valid_ranges'] == ((-1.0, 80.0), (40.0, -1.0))
    assert params['chip_size'] == 64  # the config's, not given
    assert params['stride'] == (16, 20) and params['prune'] is False


def test_records_drop_what_the_preflight_drops(load_tool, tmp_path):
    tool = load_tool('chip_stats_inputs')
    coco = dict(
        images=[dict(id=1, file_name='a.png', width=100, height=80),
                dict(id=2, file_name='b.png', width=100, height=80)],
        annotations=[
            dict(id=1, image_id=1, category_id=1, bbox=[10, 20, 30, 40],
                 area=1200, iscrowd=0),
            dict(id=2, image_id=1, category_id=1, bbox=[5, 5, 0, 10],
                 area=0, iscrowd=0),  # degenerate: dropped
            dict(id=3, image_id=2, category_id=1, bbox=[0, 0, 8, 8],
                 area=64, iscrowd=1)],
        categories=[dict(id=1, name='a')])
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(coco))
    records, report = tool.load_checked_records(str(path))
    assert [r['id'] for r in records] == [1, 2]
    np.testing.assert_array_equal(records[0]['bboxes'], [[10, 20, 40, 60]])
    assert records[1]['ignore'].tolist() == [True]
    assert sum(len(v) for v in report.dropped_anns.values()) == 1
