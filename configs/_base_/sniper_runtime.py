# Runtime of every mmsniper config: mmdet's defaults, the SNIPER runner and
# checkpoints that a kill cannot truncate (AtomicCheckpointHook: temporary
# file + rename, last_checkpoint replaced atomically, old checkpoints removed
# only after the new one is complete).
_base_ = 'mmdet::_base_/default_runtime.py'

default_hooks = dict(checkpoint=dict(type='AtomicCheckpointHook'))
# writes the config's `sniper` block (scales, valid ranges, chip size, test
# ranges) into the dataset and the test-time models when the runner is built,
# also under mmdet's own tools/train.py and tools/test.py (they build
# `runner_type` from the registry); see docs/sniper_training.md
runner_type = 'mmdet.SniperRunner'
# (custom_imports of mmsniper comes with the dataset or CPU-runtime base:
# mmengine refuses a key defined by two bases of one config)
# mmdet's visualizer (its vis_backends and name are kept), plus SNIPER chips:
# one picture per training chip (named after the image, scale and chip
# corner) with ignored boxes dashed, and for AutoFocus results (tools/test.py
# --show-dir) the FocusChips of each finer scale, the FocusPixel heat map and
# a legend under the detections; other results are drawn as mmdet draws them
visualizer = dict(type='FocusVisualizer')
