"""Test a detector: ``python tools/test.py CONFIG CHECKPOINT [--tta]``.

Same flags as mmdet's tools/test.py plus ``--out *.json`` (COCO-format
detections for any dataset), ``--format-only`` and ``--metrics-out``; the
logic is in mmsniper.apis.launch. The config chooses the test:

    # the detector at one scale
    python tools/test.py configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py CKPT
    # its tta_model: AutoFocus here, the SNIPER pyramid for a SNIPER config
    python tools/test.py configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py CKPT --tta
    # a leaf config whose model is the wrapper (no --tta): the same AutoFocus
    python tools/test.py configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_autofocus-test.py CKPT
    # the full pyramid on the same weights
    python tools/test.py configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic_pyramid-test.py CKPT

CKPT is the training checkpoint in every case. ``--tta`` on a leaf config,
or on a config without ``tta_model`` / ``tta_pipeline``
(``configs/_base_/tta/``), exits with code 2 and one line saying so.
"""  # noqa: E501
from mmsniper.apis import run_tool, test

if __name__ == '__main__':
    run_tool(test)
