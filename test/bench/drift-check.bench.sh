#!/usr/bin/env bash
# `npm run bench:drift-check`: vigil drift-check next to pandas + SciPy on the same two files.
# Installs NumPy, SciPy and pandas from PyPI into a git-ignored virtualenv on first use; with
# BENCH_EVIDENTLY=1 also Evidently (which needs pandas < 3) into one of its own, and times it too.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../../deploy/local/.venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import numpy, scipy, pandas' 2>/dev/null; then
  echo "bench: installing numpy, scipy, pandas into deploy/local/.venv ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check numpy==2.4.6 scipy==1.17.1 pandas
fi
if [ "${BENCH_EVIDENTLY:-}" = 1 ]; then
  ev="$here/../../deploy/local/.venv-evidently"
  if [ ! -x "$ev/bin/python" ] || ! "$ev/bin/python" -c 'import evidently' 2>/dev/null; then
    echo "bench: installing evidently into deploy/local/.venv-evidently ..." >&2
    python3 -m venv "$ev"
    "$ev/bin/pip" install --quiet --disable-pip-version-check evidently==0.7.23 'pandas<3'
  fi
  export EVIDENTLY_PYTHON="$ev/bin/python"
fi
exec "$venv/bin/python" "$here/drift-check/run.py" "$@"
