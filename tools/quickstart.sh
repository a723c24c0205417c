#!/usr/bin/env bash
# README command 1: the main job end to end on the built-in synthetic dataset.
#   bash tools/quickstart.sh
# 1. creates or reuses .venv and installs what is missing (mmcv is compiled
#    once, ~17 min on 2 cores, then reused);
# 2. generates the synthetic `quickstart` split (reused when present);
# 3. trains the CPU Faster R-CNN from scratch;
# 4. evaluates on the val split and writes COCO-format detections, a metrics
#    summary and pictures with the detections drawn.
# Outputs go to work_dirs/quickstart/ (override with WORK_DIR=...).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CONFIG=${CONFIG:-configs/synthetic/faster-rcnn_r18-w16_fpn_quickstart_synthetic.py}
WORK_DIR=${WORK_DIR:-work_dirs/quickstart}
PY="$ROOT/.venv/bin/python"

bash tools/misc/setup_env.sh
mkdir -p "$WORK_DIR"
"$PY" tools/misc/generate_synthetic.py --preset quickstart --out data/synthetic/quickstart

start=$(date +%s)
# evaluation happens once, below (not also at the end of training)
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" \
  --cfg-options train_cfg.val_begin=1000000000
trained=$(date +%s)
"$PY" tools/test.py "$CONFIG" "$(cat "$WORK_DIR/last_checkpoint")" --work-dir "$WORK_DIR" \
  --cfg-options test_dataloader.dataset.ann_file=annotations/instances_val.json \
  test_dataloader.dataset.data_prefix.img=val/ \
  test_evaluator.ann_file=data/synthetic/quickstart/annotations/instances_val.json \
  --out "$WORK_DIR/val_detections.bbox.json" \
  --metrics-out "$WORK_DIR/val_metrics.json" \
  --show-dir vis
done_t=$(date +%s)
"$PY" tools/misc/summarize_run.py "$WORK_DIR" \
  --train-seconds $((trained - start)) --test-seconds $((done_t - trained))
