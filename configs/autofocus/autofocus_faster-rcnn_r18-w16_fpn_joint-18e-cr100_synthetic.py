# The 18-epoch joint model (./autofocus_faster-rcnn_r18-w16_fpn_joint-18e_
# synthetic.py, the same checkpoint: only test time changes) with the
# coarse AutoFocus scale keeping detections over 100 px (sqrt(area),
# original px) instead of 40. At long side 512 an object of 40-100 px is
# 10-50 input px: the coarse pass finds it poorly, and the mid scale's
# FocusChips already contain every such box (tools/analysis/
# focus_coverage.py), so its coarse detections only added low-quality
# duplicates to the merge. Chosen on the bench val split (40, 75, 100 and
# 128 px; docs/benchmarks.md, "Coarse valid range of
# AutoFocus").
#   python tools/test.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_joint-18e-cr100_synthetic.py \
#       work_dirs/autofocus_faster-rcnn_r18-w16_fpn_joint-18e_synthetic/epoch_18.pth --tta
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_joint-18e_synthetic.py'

# coarse, mid, fine; original px, lo exclusive, hi inclusive, -1 open
coarse_range_valid_ranges = ((100, -1), (-1, 192), (-1, 72))
tta_model = dict(autofocus_cfg=dict(valid_ranges=coarse_range_valid_ranges))
# the wrapper of mmdet's init_detector / DetInferencer / tools/test.py
# without --tta (the *_autofocus-test.py leaves) tests the same ranges
autofocus_test_model = dict(
    autofocus_cfg=dict(valid_ranges=coarse_range_valid_ranges))
