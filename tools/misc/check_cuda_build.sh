#!/usr/bin/env bash
# Compile check of the full CUDA extension without a GPU.
#   bash tools/misc/check_cuda_build.sh [TORCH_VERSION]
# Creates (or reuses) a separate venv with a CUDA build of torch (default
# 2.14.1, the +cu130 wheel matching the machine's nvcc 13.0; ~5.5 GB), then
# builds mmsniper._ext with FORCE_CUDA=1 for TORCH_CUDA_ARCH_LIST (default
# 9.0) in a temporary copy of the sources (the checkout's own build is not
# touched) and imports it: `with_cuda()` must be True.
# Environment: CUDA_VENV (default /tmp/mmsniper-cuda-venv), CUDA_HOME (default:
# the toolkit of the nvcc on PATH), TORCH_CUDA_ARCH_LIST,
# MAX_JOBS (default 2), PYTHON (default python3.11 or python3).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TORCH=${1:-2.14.1}
VENV=${CUDA_VENV:-/tmp/mmsniper-cuda-venv}
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
export MAX_JOBS=${MAX_JOBS:-2}
export FORCE_CUDA=1

if ! command -v nvcc >/dev/null; then
    echo "error: nvcc not found (install the CUDA toolkit or put it on PATH)" >&2
    exit 2
fi
nvcc --version | tail -n 2
# torch guesses CUDA_HOME from `which nvcc`; a /usr/local/bin/nvcc link
# gives /usr/local, where libcudart is not (ld: cannot find -lcudart)
if [ -z "${CUDA_HOME:-}" ]; then
    CUDA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")
    if [ ! -d "$CUDA_HOME/lib64" ] && [ -d /usr/local/cuda/lib64 ]; then
        CUDA_HOME=/usr/local/cuda  # nvcc on PATH is a wrapper script
    fi
    export CUDA_HOME
fi
echo "CUDA_HOME=$CUDA_HOME"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q "torch==$TORCH" numpy ninja setuptools
"$VENV/bin/python" - <<'EOF'
import torch
print(f'torch {torch.__version__}, built with CUDA {torch.version.cuda}')
assert torch.version.cuda, 'this torch is a CPU build: pick a CUDA wheel'
EOF

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -r "$ROOT/csrc" "$ROOT/setup.py" "$ROOT/README.md" "$ROOT/requirements" \
    "$ROOT/requirements.txt" \
    "$WORK/"
mkdir -p "$WORK/mmsniper"
cp "$ROOT/mmsniper/version.py" "$WORK/mmsniper/" 2>/dev/null || true
touch "$WORK/mmsniper/__init__.py"
cd "$WORK"
start=$(date +%s)
"$VENV/bin/python" setup.py -q build_ext --inplace
echo "compiled in $(( $(date +%s) - start )) s"
"$VENV/bin/python" - <<'EOF'
import torch  # noqa: F401  (loads libtorch before the extension)
from mmsniper import _ext
ok = bool(_ext.with_cuda())
print(f'mmsniper._ext built, with_cuda() = {ok}')
raise SystemExit(0 if ok else 1)
EOF
