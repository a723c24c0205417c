# Copyright (c) mmsniper contributors. All rights reserved.
"""Tiny AutoFocus models for tests (random weights, CPU-fast)."""
import copy

from mmengine.config import Config, ConfigDict

_BASE_MODEL = 'configs/_base_/models/faster-rcnn_r18-w16_fpn.py'


def tiny_focus_detector_cfg(repo_root: str, focus: bool = True,
                            num_classes: int = 5) -> ConfigDict:
    """A quarter-width ResNet-18 FPN Faster R-CNN (the CPU model) with few
    proposals, plus a FocusPixel head on P4 when ``focus``.

    Args:
        repo_root (str): Repository root (the config lives there).
        focus (bool): Build a ``FocusFasterRCNN``. Defaults to True.
        num_classes (int): Defaults to 5.

    Returns:
        ConfigDict: A model config.
    """
    import os.path as osp
    cfg = Config.fromfile(osp.join(repo_root, _BASE_MODEL))
    model = copy.deepcopy(cfg.model.to_dict())
    model['roi_head']['bbox_head']['num_classes'] = num_classes
    model['test_cfg']['rpn'].update(nms_pre=200, max_per_img=50)
    model['test_cfg']['rcnn'].update(score_thr=0.0, max_per_img=50)
    if focus:
        model['type'] = 'FocusFasterRCNN'
        model['focus_head'] = dict(
            type='FocusPixelHead',
            in_channels=64,
            feat_channels=16,
            in_index=2,
            stride=16)
    return ConfigDict(model)
