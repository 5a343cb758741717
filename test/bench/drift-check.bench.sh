#!/usr/bin/env bash
# `npm run bench:drift-check`: vigil drift-check next to pandas + SciPy on the same two files.
# Installs NumPy, SciPy and pandas from PyPI into a git-ignored virtualenv on first use; with
# BENCH_EVIDENTLY=1 also Evidently (which needs pandas < 3) into one of its own, and times it too.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=python-venv.sh
. "$here/python-venv.sh"
venv="$here/../../deploy/local/.venv"
ensure_venv "$venv" 'numpy, scipy, pandas' numpy==2.4.6 scipy==1.17.1 pandas
if [ "${BENCH_EVIDENTLY:-}" = 1 ]; then
  ev="$here/../../deploy/local/.venv-evidently"
  ensure_venv "$ev" evidently evidently==0.7.23 'pandas<3'
  export EVIDENTLY_PYTHON="$ev/bin/python"
fi
exec "$venv/bin/python" "$here/drift-check/run.py" "$@"
