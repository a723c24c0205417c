"""Per-megapixel budgets of the test-time wrappers (budgets.py): Budget
and final_cap on hand-computed values."""
import pytest
from mmengine.config import ConfigDict

from mmsniper.models.test_time import Budget
from mmsniper.models.test_time.budgets import final_cap


def test_budget_values():
    b = Budget(per_mpix=1e4, min=5, max=30)
    assert b(64 * 64) == 30  # 41 -> max
    assert b(16 * 16) == 5  # 2.56 -> min
    assert b(2000) == 20
    assert Budget(per_mpix=300)(1e6) == 300
    assert Budget(per_mpix=300)(1) == 1  # min defaults to 1
    assert Budget.build(None, 'x') is None
    assert Budget.build(b, 'x') is b
    assert Budget.build(dict(per_mpix=5e3, min=3, max=12), 'x')(1024) == 5
    with pytest.raises(ValueError, match='det_budget needs per_mpix'):
        Budget.build(dict(min=3), 'tta_cfg.det_budget')
    with pytest.raises(KeyError, match="did you mean 'per_mpix'"):
        Budget.build(dict(per_mpx=3), 'tta_cfg.rpn_budget')
    with pytest.raises(TypeError, match='rpn_budget must be dict'):
        Budget.build(300, 'tta_cfg.rpn_budget')
    with pytest.raises(ValueError, match='per_mpix > 0'):
        Budget(per_mpix=0)
    with pytest.raises(ValueError, match='min <= max'):
        Budget(per_mpix=1, min=10, max=5)


@pytest.mark.parametrize('pixels,expected', [
    (0.2e6, 100),  # 500 * 0.2 = 100, inside [50, 400]
    (0.05e6, 50),  # 25 -> min
    (1e6, 400),  # 500 -> max
    (0.7e6, 350),  # 350, inside
    (0.1009e6, 50),  # 50.45 rounds to 50
    (0.1011e6, 51),  # 50.55 rounds to 51
])
def test_budget_is_clipped_per_mpix(pixels, expected):
    """clip(round(per_mpix * Mpix), min, max) with per_mpix 500, min 50,
    max 400."""
    assert Budget(per_mpix=500, min=50, max=400)(pixels) == expected


def test_budget_build_from_config_dict_leaves_it_alone():
    cfg = ConfigDict(per_mpix=2e3, max=10)
    b = Budget.build(cfg, 'autofocus_cfg.det_budget')
    assert (b.per_mpix, b.min, b.max) == (2000., 1, 10)
    assert b(4e3) == 8  # 2000 * 0.004
    assert dict(cfg) == dict(per_mpix=2e3, max=10)
    assert repr(b) == 'Budget(per_mpix=2000, min=1, max=10)'
    with pytest.raises(KeyError, match=r"valid keys: \['per_mpix', 'min', "
                       r"'max'\]"):
        Budget.build(dict(per_mpix=1, mx=3), 'x')


def test_final_cap_grows_with_mpix():
    assert final_cap(200, 100, 1e6) == 200  # 100 < 200
    assert final_cap(200, 100, 5e6) == 500
    assert final_cap(200, 100, 2e8) == 20000  # a 200 Mpix scene
    assert final_cap(200, None, 2e8) == 200
    assert final_cap(0, 100, 2e8) == 0  # <= 0: keep all
    assert final_cap(-1, 100, 2e8) == -1
