#!/usr/bin/env bash
# README command 2: set up (or reuse) .venv, then run the whole test suite.
#   bash tools/run_tests.sh [extra pytest args]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash tools/misc/setup_env.sh
# One torch / OpenMP thread unless the caller sets another count: the tests
# run small CPU ops, where a second thread waiting at every op barrier costs
# more than it gives (tests/conftest.py, `single_thread`).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec "$ROOT/.venv/bin/python" -m pytest tests -q "$@"
