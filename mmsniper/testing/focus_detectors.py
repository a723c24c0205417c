# Copyright (c) mmsniper contributors. All rights reserved.
"""One-stage FocusPixel detectors of the synthetic AutoFocus configs and
two hand-made chips with the FocusPixel labels they must give (tests of
FocusRetinaNet, FocusATSS and their mixins)."""
import os.path as osp
from typing import List

import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope

from .focus_samples import focus_sample

AF_CONFIG = 'configs/autofocus/autofocus_{}_r18-w16_fpn_1xb8-4e_synthetic.py'

#: the labels of :func:`one_stage_focus_samples` on the 4 x 4 stride-16
#: grid of a 64 px chip (1: FocusPixel, 0: background, -1: don't care)
ONE_STAGE_FOCUS_LABELS = torch.tensor([[[1, 1, 1, 0], [1, 1, 1, 0],
                                        [1, 1, 1, 1], [0, 0, 1, 1]],
                                       [[-1, -1, -1, -1], [-1, -1, -1, -1],
                                        [-1, -1, -1, -1], [0, 0, 0, 0]]])


def one_stage_focus_cfg(repo_root: str, name: str = 'retinanet') -> ConfigDict:
    """The ``model`` of ``configs/autofocus/autofocus_<name>_r18-w16_fpn_
    1xb8-4e_synthetic.py``."""
    init_default_scope('mmdet')
    return Config.fromfile(osp.join(repo_root, AF_CONFIG.format(name))).model


def build_eval(cfg: ConfigDict) -> torch.nn.Module:
    """The model of ``cfg`` with seed-0 initial weights, in eval mode."""
    from mmdet.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model.eval()


def one_stage_focus_samples(img_shape=(64, 64)) -> List:
    """Chip 0: a valid 26 px box and an ignored 20 px one (both
    FocusPixels); chip 1: only an ignored 60 x 20 px box (sqrt 34.6: don't
    care with the synthetic thresholds 2.5 / 32 / 45)."""
    samples = [focus_sample([[4, 4, 30, 30]], [[40, 40, 60, 60]], img_shape),
               focus_sample([], [[0, 0, 60, 20]], img_shape)]
    for s in samples:
        s.set_metainfo(dict(batch_input_shape=(64, 64), pad_shape=(64, 64),
                            scale_factor=(1., 1.), ori_shape=img_shape))
    return samples
