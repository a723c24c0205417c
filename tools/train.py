"""Train a detector: ``python tools/train.py CONFIG [--work-dir ...]``.

Same flags as mmdet's tools/train.py; the logic is in mmsniper.apis.launch.
"""
from mmsniper.apis import run_tool, train

if __name__ == '__main__':
    run_tool(train)
