# Copyright (c) mmsniper contributors. All rights reserved.
"""Tiny AutoFocus models for tests (random weights, CPU-fast)."""
import copy

from mmengine.config import Config, ConfigDict

_BASE_MODEL = 'configs/_base_/models/faster-rcnn_r18-w16_fpn.py'


_MASK_BRANCH = 'configs/_base_/models/sniper_mask_branch_r18-w16.py'


def tiny_focus_detector_cfg(repo_root: str, focus: bool = True,
                            num_classes: int = 5,
                            mask: bool = False) -> ConfigDict:
    """A quarter-width ResNet-18 FPN Faster R-CNN (the CPU model) with few
    proposals, plus a FocusPixel head on P4 when ``focus``.

    Args:
        repo_root (str): Repository root (the config lives there).
        focus (bool): Build a ``FocusFasterRCNN``. Defaults to True.
        num_classes (int): Defaults to 5.
        mask (bool): Add the CPU mask branch (``MaskRCNN`` /
            ``FocusMaskRCNN``). Defaults to False.

    Returns:
        ConfigDict: A model config.
    """
    import os.path as osp
    cfg = Config.fromfile(osp.join(repo_root, _BASE_MODEL))
    model = copy.deepcopy(cfg.model.to_dict())
    model['roi_head']['bbox_head']['num_classes'] = num_classes
    model['test_cfg']['rpn'].update(nms_pre=200, max_per_img=50)
    model['test_cfg']['rcnn'].update(score_thr=0.0, max_per_img=50)
    if mask:
        branch = Config.fromfile(osp.join(repo_root, _MASK_BRANCH))
        model = Config(dict(model=model))
        model.merge_from_dict(dict(model=branch.mask_branch.to_dict()))
        model = model.model.to_dict()
        model['type'] = 'MaskRCNN'
        model['roi_head']['mask_head']['num_classes'] = num_classes
    if focus:
        model['type'] = 'FocusMaskRCNN' if mask else 'FocusFasterRCNN'
        model['focus_head'] = dict(
            type='FocusPixelHead',
            in_channels=64,
            feat_channels=16,
            in_index=2,
            stride=16)
    return ConfigDict(model)
