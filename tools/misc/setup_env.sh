#!/usr/bin/env bash
# Create (or reuse) the virtual environment of this checkout and install only
# what is missing. Safe to re-run: an installed mmcv is never rebuilt.
#
#   bash tools/misc/setup_env.sh          # -> .venv with the pinned stack
#
# Environment: MMSNIPER_VENV (default: <checkout>/.venv), PYTHON (default:
# python3), MMSNIPER_WITH_OPS=0 to skip the native extension.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${MMSNIPER_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
cd "$ROOT"

log() { echo "[setup_env $(date +%H:%M:%S)] $*"; }

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
pip_install() { "$VPY" -m pip install --disable-pip-version-check -q "$@"; }

# Prints the requirement specs (one per line) that are not satisfied.
missing() {
  "$VPY" - "$@" <<'PYEOF'
import sys
from importlib.metadata import version, PackageNotFoundError
try:
    from packaging.requirements import Requirement
except ImportError:  # bare venv: packaging comes with pip's build deps below
    Requirement = None
for spec in sys.argv[1:]:
    if Requirement is None:
        print(spec); continue
    req = Requirement(spec)
    try:
        v = version(req.name)
    except PackageNotFoundError:
        print(spec); continue
    if req.specifier and not req.specifier.contains(v, prereleases=True):
        print(spec)
PYEOF
}

install_missing() {
  local todo
  todo=$(missing "$@")
  if [ -n "$todo" ]; then
    log "installing: $(echo $todo)"
    # shellcheck disable=SC2086
    pip_install $todo
  fi
}

"$VPY" -c "import packaging" 2>/dev/null || pip_install packaging
# Build tools first: mmcv 2.1.0's build imports pkg_resources (setuptools<81).
install_missing 'setuptools>=77,<81' wheel ninja
# torch 2.13.0: this machine has a local CPU wheel; other requests pull CUDA.
install_missing 'torch==2.13.0'
install_missing 'numpy>=2,<3' 'opencv-python-headless>=4.8' 'pycocotools>=2.0.7' \
  'mmengine==0.10.7' 'matplotlib>=3.7' 'scipy>=1.11' terminaltables \
  'pytest>=8' pytest-timeout
# mmcv with its ops has no wheel for torch 2.13: compiled once (about 17 min on
# 2 cores), then taken from pip's cache. Never rebuilt once importable.
if ! "$VPY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '2.1.0'" 2>/dev/null; then
  log "building mmcv 2.1.0 with ops (about 17 min on 2 cores the first time)"
  MAX_JOBS=${MAX_JOBS:-2} pip_install --no-build-isolation 'mmcv==2.1.0'
fi
install_missing 'mmdet==3.3.0'

# mmsniper itself (editable) and its native extension, rebuilt incrementally.
if ! "$VPY" -c "import importlib.metadata as m; m.version('mmsniper')" 2>/dev/null; then
  log "installing mmsniper (editable)"
  # metadata only; the extension is built in place just below (built once)
  MMSNIPER_WITH_OPS=0 pip_install --no-build-isolation --no-deps -e .
fi
if [ "${MMSNIPER_WITH_OPS:-1}" != "0" ]; then
  log "building mmsniper._ext (incremental)"
  MAX_JOBS=${MAX_JOBS:-2} "$VPY" setup.py -q build_ext --inplace >/dev/null
fi
"$VPY" -c "import mmsniper, mmsniper.ops as o; print('mmsniper', mmsniper.__version__, '| native ops:', o.EXT_AVAILABLE)"
