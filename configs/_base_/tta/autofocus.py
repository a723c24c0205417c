# AutoFocus test (spec 5.3-5.4): the coarsest scale on the whole image, the
# finer ones only on the FocusChips of the FocusPixel map; selected with
# tools/test.py --tta (also mmdet's) or by an *_autofocus-test.py leaf
# config. The model must have a FocusPixel head (configs/autofocus/).
# Every SNIPER config already has a tta_model (the pyramid base), and
# mmengine forbids a key in two bases, so this file names its wrapper
# `autofocus_tta_model`; a config selects it with one line,
#   _base_ = ['../sniper/<a SNIPER config>.py', '../_base_/tta/autofocus.py']
#   tta_model = dict(_delete_=True, **_base_.autofocus_tta_model)
# (tta_pipeline, the original image, is the pyramid's). A config without a
# SNIPER base lists ../_base_/tta/sniper_pyramid.py as well.
autofocus_tta_model = dict(
    type='AutoFocusDetector',
    autofocus_cfg=dict(
        # coarse to fine, (short side, max long side), and their valid
        # ranges (original px; lo**2 < area <= hi**2; -1 open)
        scales=((480, 512), (800, 1280), (1400, 2000)),
        valid_ranges=((75, -1), (32, 180), (-1, 75)),
        # per transition: dilation d, threshold t, min chip side k (cells)
        # (a list: --cfg-options ...focus.0.threshold=0.05 edits one entry)
        focus=[dict(dilation=3, threshold=0.02, min_chip_cells=16),
               dict(dilation=3, threshold=0.2, min_chip_cells=20)],
        border_margin=10.,  # original px (spec 5.4)
        nms=dict(type='soft_nms', method='gaussian', sigma=0.55,
                 min_score=1e-3, iou_threshold=0.3),
        score_floor=1e-3,
        max_per_img=200,
        max_per_mpix=100,
        chips_per_batch=(8, 8, 2),  # chips per detector call, per scale (GPU)
        tile=dict(size=2048, overlap=256, border_margin=8)))
