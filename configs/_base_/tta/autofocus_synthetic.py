# AutoFocus on the synthetic recipe (../sniper_synthetic_1xb8-4e.py): the
# spec's wrapper (./autofocus.py) at the synthetic scales, valid ranges and
# operating points (why these values: docs/benchmarks.md, "Config history"),
# for every synthetic AutoFocus config (Faster R-CNN, Mask R-CNN,
# RetinaNet). Such a config lists this base instead of ./autofocus.py and
#   tta_model = dict(_delete_=True, **_base_.autofocus_synthetic_tta_model)
#   autofocus_test_model = dict(
#       _base_.autofocus_synthetic_test_model,
#       autofocus_cfg=dict(
#           _base_.autofocus_synthetic_test_model.autofocus_cfg,
#           rpn_budget=_base_.sniper.test_rpn_budget,
#           det_budget=_base_.sniper.test_det_budget))
_base_ = ['./autofocus.py']

autofocus_synthetic_tta_model = dict(
    _base_.autofocus_tta_model,
    autofocus_cfg=dict(
        _base_.autofocus_tta_model.autofocus_cfg,
        # coarse to fine: long side 512, then the mid and fine training
        # factors on FocusChips only
        scales=(512, 0.75, 1.5),
        # original px, sqrt(area): lo exclusive, hi inclusive, -1 open; the
        # mid scale also keeps small detections (fallback where the fine
        # scale has no chip; soft-NMS merges the duplicates)
        valid_ranges=((40, -1), (-1, 192), (-1, 72)),
        # per transition (coarse->mid, mid->fine): dilation d, threshold t
        # and minimum chip side k in cells of the current scale (spec 5.3);
        # the operating points of docs/benchmarks.md
        # (a list: --cfg-options ...focus.0.threshold=0.1 edits one entry)
        focus=[dict(dilation=3, threshold=0.2, min_chip_cells=3),
               dict(dilation=3, threshold=0.2, min_chip_cells=8)],
        chips_per_batch=1))  # one chip per call on the CPU
# the model of the *_autofocus-test.py leaves (with their `module`): this
# wrapper with the `sniper` block's budgets (the config adds them: this base
# does not see the block; a runner rewrites them from the block:
# from_block) and the empty backbone stub that mmdet's init_detector reads
autofocus_synthetic_test_model = dict(
    autofocus_synthetic_tta_model,
    _delete_=True,  # replaces the detector's own model dict
    backbone=dict(),
    autofocus_cfg=dict(
        autofocus_synthetic_tta_model['autofocus_cfg'], from_block='sniper'))
