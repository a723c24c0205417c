#!/usr/bin/env bash
# README command 2: set up (or reuse) .venv, then run the whole test suite.
#   bash tools/run_tests.sh [extra pytest args]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash tools/misc/setup_env.sh
exec "$ROOT/.venv/bin/python" -m pytest tests -q "$@"
