# AutoFocus trained jointly for 12 epochs with FocusPixels weighted 3x in the
# FocusPixel loss: the twelve-epoch recipe
# (./autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py) with a
# class-weighted softmax cross-entropy (negative 1.0, FocusPixel 3.0), to
# measure whether loss weighting recalls the small objects the unweighted
# head misses (docs/benchmarks.md, "Loss weighting of the FocusPixel head").
# The original weights both classes 1 (spec 5.2); this is an ablation.
#   python tools/train.py \
#       configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_joint-12e-posw3_synthetic.py
# With FocusPixels weighted up the map's probabilities rise, so thresholds
# chosen for the unweighted head do not carry over: choose them on val with
# tools/analysis/benchmark_inference.py --choose-within.
_base_ = './autofocus_faster-rcnn_r18-w16_fpn_joint-12e_synthetic.py'

model = dict(
    focus_head=dict(
        loss_focus=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            ignore_index=-1,  # FOCUS_IGNORE
            avg_non_ignore=True,
            class_weight=[1.0, 3.0],
            loss_weight=1.0)))
