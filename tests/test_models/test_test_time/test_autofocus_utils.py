"""Helpers of AutoFocusDetector (autofocus_utils.py): FocusChips clipped to
the image, and the load pre-hook that refuses a checkpoint without
FocusPixel head weights."""
import numpy as np
import pytest
import torch
import torch.nn as nn

from mmsniper.models.test_time.autofocus_utils import (clip_chips,
                                                       require_focus_weights)


def test_clip_chips_to_the_image():
    chips = [[-5, -3, 50, 40],  # -> [0, 0, 50, 30]
             [70, 0, 90, 10],  # outside: width 0 after clipping
             [10, 10, 10.5, 20],  # 0.5 px wide: dropped
             [10, 10, 11, 20]]  # 1 px wide: kept
    src = np.array(chips, np.float32)
    out = clip_chips(src, (30, 60))
    assert out.dtype == np.float64
    assert out.tolist() == [[0, 0, 50, 30], [10, 10, 11, 20]]
    assert src[0, 0] == -5  # not modified in place
    assert clip_chips(src, (30, 60), min_side=2).tolist() == [[0, 0, 50, 30]]
    assert clip_chips(np.zeros((0, 4)), (30, 60)).shape == (0, 4)
    assert clip_chips([1, 2, 3, 4], (30, 60)).tolist() == [[1, 2, 3, 4]]


def test_clip_chips_snaps_edges_to_the_border():
    # tolerance max(1e-3, 1e-6 * 60) = 1e-3 px
    out = clip_chips([[5e-4, -5e-4, 59.9995, 29.9991]], (30, 60))
    assert out.tolist() == [[0, 0, 60, 30]]
    out = clip_chips([[2e-3, 1, 59.998, 29]], (30, 60))
    assert out.tolist() == [[2e-3, 1, 59.998, 29]]
    # a 4000 px side: 1e-6 * 4000 = 4e-3 px
    out = clip_chips([[3e-3, 0, 3999.997, 2999.99]], (3000, 4000))
    assert out.tolist() == [[0, 0, 4000, 2999.99]]


class _Net(nn.Module):

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(1, 1)
        self.focus_head = nn.Linear(1, 1)
        self.focus_head._register_load_state_dict_pre_hook(
            require_focus_weights, with_module=True)


def test_require_focus_weights():
    net = _Net()
    full = {k: torch.full_like(v, 2.) for k, v in net.state_dict().items()}
    body = {k: v for k, v in full.items() if k.startswith('body.')}
    with pytest.raises(RuntimeError, match=r'no FocusPixel head weights '
                       r'\(focus_head\.\*\): AutoFocus would pick its chips '
                       'with a random head'):
        net.load_state_dict(body, strict=False)
    net.load_state_dict(full)
    assert net.focus_head.weight.item() == 2.
    # the hook alone: any key under the prefix will do
    require_focus_weights(None, {'head.x': 0}, 'head.')
    with pytest.raises(RuntimeError, match=r'\(head\.\*\)'):
        require_focus_weights(None, {'headx': 0, 'other.head.x': 0}, 'head.')
