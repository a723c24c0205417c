#!/usr/bin/env bash
# README command 1: the main job end to end on the built-in synthetic dataset.
#   bash tools/quickstart.sh
# 1. creates or reuses .venv and installs what is missing (mmcv is compiled
#    once, ~17 min on 2 cores, then reused);
# 2. generates the synthetic `quickstart` split (reused when present);
# 3. trains the CPU Faster R-CNN from scratch the SNIPER way (256 px chips at
#    3 scales) with a FocusPixel head, jointly;
# 4. tests it on the val split with AutoFocus (coarse to fine FocusChips:
#    tools/test.py --tta, the config's tta_model is an AutoFocusDetector)
#    and writes COCO-format detections, a metrics summary (mAP, pixels
#    processed against the full pyramid) and pictures with the detections
#    and FocusChips drawn;
# 5. runs AutoFocus and the full 3-scale pyramid side by side on the val
#    images and prints the comparison (mAP, ms and pixels per image).
# Outputs go to work_dirs/quickstart/ (override with WORK_DIR=...).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CONFIG=${CONFIG:-configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_quickstart_synthetic.py}
COMPARE_IMAGES=${COMPARE_IMAGES:-40}  # val images of the AutoFocus/pyramid comparison
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
VAL=(test_dataloader.dataset.ann_file=annotations/instances_val.json
     test_dataloader.dataset.data_prefix.img=val/
     test_evaluator.0.ann_file=data/synthetic/quickstart/annotations/instances_val.json)
CKPT=$(cat "$WORK_DIR/last_checkpoint")
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK_DIR" --tta \
  --cfg-options "${VAL[@]}" \
  --out "$WORK_DIR/val_detections.bbox.json" \
  --metrics-out "$WORK_DIR/val_metrics.json" \
  --show-dir vis
tested=$(date +%s)
"$PY" tools/analysis/benchmark_inference.py "$CONFIG" "$CKPT" \
  --data-root data/synthetic/quickstart --split val \
  --num-images "$COMPARE_IMAGES" --methods pyramid autofocus --af-points config \
  --out "$WORK_DIR/autofocus_vs_pyramid.json" \
  --plot "$WORK_DIR/autofocus_vs_pyramid.png"
done_t=$(date +%s)
"$PY" tools/misc/summarize_run.py "$WORK_DIR" --tta \
  --train-seconds $((trained - start)) --test-seconds $((tested - trained)) \
  --compare-seconds $((done_t - tested)) \
  --comparison "$WORK_DIR/autofocus_vs_pyramid.json"
