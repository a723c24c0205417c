#!/usr/bin/env bash
# Save what tools/misc/gpu_check_offline.sh installs on a GPU machine that
# has torch, torchvision and CUDA but no network and no mmcv (the lent GPU
# machine of this project: Python 3.12, torch 2.11+cu130).
#   bash tools/misc/fetch_gpu_wheels.sh [DIR] [PYTHON_VERSION]   # .whl 3.12
# Downloads (no dependencies resolved, each named) the wheels of mmengine
# 0.10.7, mmdet 3.3.0 and the packages they need that such an image lacks,
# for CPython PYTHON_VERSION on manylinux x86-64, and mmcv 2.1.0's source
# archive (its pure-python part is used there; its ops come from
# tools/misc/mmcv_ext_torchvision.py). Needs the project's .venv (README
# command 1 or 2) for the source download (mmcv's setup.py needs
# setuptools<81). About 6 MB.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=${1:-$ROOT/.whl}
PYV=${2:-3.12}
VPY=${VPY:-$ROOT/.venv/bin/python}
mkdir -p "$DIR"
PLAT=""
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_24_x86_64 \
         manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64; do
  PLAT="$PLAT --platform $p"
done
# shellcheck disable=SC2086
python3 -m pip download -q --no-deps --only-binary=:all: \
  --python-version "$PYV" --implementation cp $PLAT -d "$DIR" \
  mmengine==0.10.7 mmdet==3.3.0 addict yapf platformdirs termcolor \
  terminaltables pycocotools shapely
MMCV_WITH_OPS=0 "$VPY" -m pip download -q --no-deps --no-build-isolation \
  --no-binary=:all: mmcv==2.1.0 -d "$DIR"
ls -la "$DIR"
