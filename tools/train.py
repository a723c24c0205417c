"""Train a detector: ``python tools/train.py CONFIG [--work-dir ...]``.

Same flags as mmdet's tools/train.py; the logic is in mmsniper.apis.launch.
Train with the training config (e.g.
``configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py``),
not a ``*_pyramid-test.py`` / ``*_autofocus-test.py`` leaf config; its
checkpoint is tested with ``tools/test.py CONFIG CKPT --tta`` (the config's
``tta_model``: SNIPER pyramid or AutoFocus) or with a leaf config.
"""
from mmsniper.apis import run_tool, train

if __name__ == '__main__':
    run_tool(train)
