"""Test a detector: ``python tools/test.py CONFIG CHECKPOINT [--out x.json]``.

Same flags as mmdet's tools/test.py plus ``--out *.json`` (COCO-format
detections for any dataset), ``--format-only`` and ``--metrics-out``; the
logic is in mmsniper.apis.launch.
"""
from mmsniper.apis import run_tool, test

if __name__ == '__main__':
    run_tool(test)
