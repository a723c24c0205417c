"""mmsniper.datasets.chip_cfg: the keys of a SniperDataset chip_cfg."""
import pytest

from mmsniper.datasets.chip_cfg import CHIP_CFG_KEYS, check_chip_cfg


def test_check_chip_cfg():
    cfg = dict(chip_size=256)
    out = check_chip_cfg(cfg)
    assert out == cfg and out is not cfg
    assert check_chip_cfg(None) == {}
    with pytest.raises(KeyError, match=r"unknown keys \['chip_sise'\] "
                       r"\(did you mean 'chip_size'"):
        check_chip_cfg(dict(chip_sise=256))
    with pytest.raises(ValueError, match='resolve_sniper_block'):
        check_chip_cfg(dict(from_block='sniper'))
    assert 'valid_ranges' in CHIP_CFG_KEYS
