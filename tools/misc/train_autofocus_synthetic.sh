#!/usr/bin/env bash
# The CPU model of the inference benchmark (docs/benchmarks.md), from
# scratch: SNIPER 4 epochs, then a FocusPixel head on the frozen detector
# (2 + 4 epochs), then 2 epochs of joint fine-tuning. About 12 epochs of
# ~6.5 min each on 2 idle cores. Usage:
#   bash tools/misc/train_autofocus_synthetic.sh
# The final checkpoint is
#   work_dirs/autofocus_faster-rcnn_r18-w16_fpn_joint-ft-2e_synthetic/epoch_2.pth
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PY=${PYTHON:-"$ROOT/.venv/bin/python"}
for cfg in \
    configs/sniper/sniper_faster-rcnn_r18-w16_fpn_1xb8-4e_synthetic.py \
    configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_focus-only-2e_synthetic.py \
    configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_focus-only-4e-cont_synthetic.py \
    configs/autofocus/autofocus_faster-rcnn_r18-w16_fpn_joint-ft-2e_synthetic.py; do
  echo "== $cfg"
  "$PY" tools/train.py "$cfg" --cfg-options train_cfg.val_begin=1000000000
done
