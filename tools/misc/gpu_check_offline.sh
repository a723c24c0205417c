#!/usr/bin/env bash
# tools/misc/gpu_check.sh on a GPU machine with torch, torchvision and CUDA
# but no network and no mmcv (compiling mmcv 2.1.0's CUDA ops takes longer
# than such a machine is lent for):
#   bash tools/misc/fetch_gpu_wheels.sh          # here, with network: .whl/
#   bash tools/misc/gpu_check_offline.sh [OUT]   # there, .whl/ carried along
# Installs the saved wheels into SITE (default /tmp/site), unpacks mmcv
# 2.1.0's pure-python package there with tools/misc/mmcv_ext_torchvision.py
# as mmcv/_ext.py (nms, softnms and roi_align from torchvision; any other
# mmcv op raises), puts SITE on PYTHONPATH and runs gpu_check.sh, which
# records that the stand-in was used. mmsniper's own extension is built
# with CUDA as usual.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WHEELS=${WHEELS:-$ROOT/.whl}
SITE=${SITE:-/tmp/site}
PY=${PYTHON:-python3}
ls "$WHEELS"/mmcv-2.1.0.tar.gz "$WHEELS"/mmdet-3.3.0-*.whl >/dev/null \
  || { echo "error: run tools/misc/fetch_gpu_wheels.sh first ($WHEELS)" >&2;
       exit 2; }
"$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
  --upgrade --target "$SITE" "$WHEELS"/*.whl
TMP=$(mktemp -d)
tar xzf "$WHEELS"/mmcv-2.1.0.tar.gz -C "$TMP"
rm -rf "$SITE/mmcv" "$TMP/mmcv-2.1.0/mmcv/ops/csrc"
cp -r "$TMP/mmcv-2.1.0/mmcv" "$SITE/mmcv"
cp "$ROOT/tools/misc/mmcv_ext_torchvision.py" "$SITE/mmcv/_ext.py"
rm -rf "$TMP"
export PYTHONPATH=$SITE${PYTHONPATH:+:$PYTHONPATH}
exec bash "$ROOT/tools/misc/gpu_check.sh" "$@"
