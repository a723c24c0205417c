"""format_config: suggestions that paste into a config (valid Python)."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from mmsniper.chips import generate_chips
from mmsniper.chips.suggest import format_config, suggest_scales
from mmsniper.engine import resolve_sniper_block

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SYN = 'configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py'


@pytest.mark.parametrize('sug', [
    dict(scales=(512, ), valid_ranges=((-1., -1.), )),
    dict(scales=(2.0, 1.0, 512), valid_ranges=((-1, 75), (33.5, 150),
                                               (120, -1))),
    dict(scales=(3.2, 1.6, 512), valid_ranges=((-1, 75), (33, 150),
                                               (120, -1))),
])
def test_format_config_is_python_that_pastes_into_a_config(sug, tmp_path):
    text = format_config(sug, 320)
    ns = {}
    exec(text, ns)  # noqa: S102
    block = ns['sniper']
    assert block['scales'] == tuple(sug['scales'])
    assert block['valid_ranges'] == tuple(
        tuple(r) for r in sug['valid_ranges'])
    assert block['chip_size'] == 320
    assert isinstance(block['scales'], tuple)
    assert all(isinstance(r, tuple) for r in block['valid_ranges'])
    # factors stay factors: 2.0, not 2 (still a factor, but reads as one)
    assert [type(s) for s in block['scales']] == [
        float if s <= 16 else int for s in sug['scales']]
    # what raised TypeError with `scales = (512)`
    res = generate_chips(np.array([[10., 10., 60., 60.]]), (400, 600),
                         block['scales'], block['valid_ranges'],
                         block['chip_size'])
    assert len(res) >= 1
    # pasted into a child of the SNIPER synthetic config, it is what the
    # resolved training dataset uses
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(f"_base_ = '{REPO}/{SYN}'\n" + text + '\n')
    cfg = Config.fromfile(str(cfg_file))
    if len(block['scales']) != 3:  # the parent's 3 test ranges disagree
        with pytest.raises(ValueError, match='sniper.test_valid_ranges'):
            resolve_sniper_block(cfg)
        return
    cfg = resolve_sniper_block(cfg)
    chip_cfg = cfg.train_dataloader.dataset.chip_cfg
    assert tuple(chip_cfg.scales) == tuple(sug['scales'])
    assert chip_cfg.chip_size == 320
    assert len(chip_cfg.valid_ranges) == len(chip_cfg.scales)


def test_one_scale_suggestion_prints_one_element_tuples():
    recs = [dict(height=100, width=100,
                 bboxes=np.array([[10., 10., 90., 90.]]))]
    sug = suggest_scales(recs, chip_size=512, max_scales=1)
    assert len(sug['scales']) == 1
    text = format_config(sug)
    assert 'scales=(512,)' in text
    assert 'valid_ranges=((-1, -1),)' in text
