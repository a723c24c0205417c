#!/usr/bin/env bash
# GPU readiness check (issue 10 item 6), about 8 minutes on one GPU:
#   (a) build mmsniper._ext with CUDA (FORCE_CUDA=1, this GPU's arch) and
#       check with_cuda();
#   (b) the CUDA op tests against the pure references (tests/test_ops, the
#       'cuda' parametrisations; skipped ones count as a failure here);
#   (c) 20 iterations of the R-101 SNIPER config with AMP on synthetic
#       512x512 chips (tools/misc/gpu_probe.py train);
#   (d) ms per image of single scale / full pyramid / AutoFocus on the photos
#       of tests/data/sahi and a profile of the device-to-host copies of one
#       AutoFocus image (tools/misc/gpu_probe.py infer).
#
#   bash tools/misc/gpu_check.sh [OUT_DIR]     # default work_dirs/gpu_check
#
# Needs a Python (PYTHON, default python3) whose torch sees the GPU and that
# has mmengine 0.10.7, mmcv 2.1.0 *with CUDA ops* and mmdet 3.3.0 (a GPU
# user's environment; building mmcv's CUDA ops takes longer than this
# check). Writes OUT_DIR/gpu_check.log, OUT_DIR/gpu_check.jsonl (one line
# per measurement) and OUT_DIR/profile_autofocus.txt; record the numbers in
# docs/benchmarks.md ("GPU check").
# Environment: CKPT (AutoFocus R-101 weights; default random weights),
# TORCH_CUDA_ARCH_LIST (default: this GPU's), MAX_JOBS (default: nproc).
# Without mmcv's compiled ops (a machine with no network):
# tools/misc/gpu_check_offline.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-$ROOT/work_dirs/gpu_check}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
LOG=$OUT/gpu_check.log
JSONL=$OUT/gpu_check.jsonl
: > "$JSONL"
cd "$ROOT"
exec > >(tee "$LOG") 2>&1
step() { echo "[gpu_check $(date +%H:%M:%S)] $*"; }
fail() { echo "gpu_check: FAILED: $*" >&2; exit 1; }

"$PY" - <<'EOF' || fail "torch does not see a GPU"
import torch, sys
if not torch.cuda.is_available():
    sys.exit(1)
print('torch', torch.__version__, 'cuda', torch.version.cuda,
      torch.cuda.get_device_name(0))
EOF
"$PY" -c "import mmcv, mmdet, mmengine; from mmcv.ops import nms; \
import torch; nms(torch.rand(4, 4).cuda().sort(1)[0], torch.rand(4).cuda(), 0.5)" \
  || fail "mmcv 2.1.0 with CUDA ops, mmdet 3.3.0 and mmengine 0.10.7 are needed"
"$PY" - <<'ENV' | tee -a "$JSONL"
import json, mmcv, mmcv._ext, mmdet, mmengine, numpy, torch
shim = getattr(mmcv._ext, 'SHIM', False)
print('GPU_PROBE ' + json.dumps(dict(
    step='env', torch=torch.__version__, cuda=torch.version.cuda,
    gpu=torch.cuda.get_device_name(0), numpy=numpy.__version__,
    mmcv=mmcv.__version__, mmdet=mmdet.__version__,
    mmengine=mmengine.__version__,
    mmcv_ops=('tools/misc/mmcv_ext_torchvision.py (torchvision)' if shim
              else 'compiled'))))
ENV

if [ -z "${TORCH_CUDA_ARCH_LIST:-}" ]; then
  TORCH_CUDA_ARCH_LIST=$("$PY" -c "import torch; \
print('%d.%d' % torch.cuda.get_device_capability(0))")
fi
export TORCH_CUDA_ARCH_LIST MAX_JOBS=${MAX_JOBS:-$(nproc)} FORCE_CUDA=1

step "(a) build mmsniper._ext with CUDA for sm_${TORCH_CUDA_ARCH_LIST}"
T0=$(date +%s)
"$PY" setup.py build_ext --inplace > "$OUT/build_ext.log" 2>&1 \
  || { tail -n 30 "$OUT/build_ext.log"; fail "extension build"; }
"$PY" -c "from mmsniper.ops import load_ext; import sys; \
sys.exit(0 if load_ext().with_cuda() else 1)" || fail "with_cuda() is False"
echo "GPU_PROBE {\"step\": \"build\", \"seconds\": $(( $(date +%s) - T0 ))}" \
  | tee -a "$JSONL"

step "(b) CUDA op tests against the references"
"$PY" -m pytest -q -p no:cacheprovider tests/test_ops -k cuda -rs \
  > "$OUT/op_tests.log" 2>&1 || { tail -n 40 "$OUT/op_tests.log"; \
  fail "CUDA op tests"; }
tail -n 3 "$OUT/op_tests.log"
if grep -q "SKIPPED" "$OUT/op_tests.log"; then
  grep "SKIPPED" "$OUT/op_tests.log"; fail "CUDA op tests were skipped"
fi

step "(c) R-101 SNIPER, AMP, 20 iterations on 512x512 chips"
timeout 240 "$PY" tools/misc/gpu_probe.py train --iters 20 --batch 16 \
  | tee /dev/stderr | grep '^GPU_PROBE' >> "$JSONL" || fail "training probe"

step "(d) single / pyramid / AutoFocus per image, profile"
timeout 240 "$PY" tools/misc/gpu_probe.py infer --images 4 \
  ${CKPT:+--checkpoint "$CKPT"} --profile-out "$OUT/profile_autofocus.txt" \
  | tee /dev/stderr | grep '^GPU_PROBE' >> "$JSONL" || fail "inference probe"

step "done: $JSONL"
