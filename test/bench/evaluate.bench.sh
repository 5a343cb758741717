#!/usr/bin/env bash
# `npm run bench:evaluate`: vigil evaluate next to pandas + scikit-learn + Fairlearn on the same
# two NDJSON files. Installs them from PyPI into the git-ignored virtualenv of the drift-check
# bench on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=python-venv.sh
. "$here/python-venv.sh"
venv="$here/../../deploy/local/.venv"
ensure_venv "$venv" 'numpy, pandas, sklearn, fairlearn' \
  numpy==2.4.6 scipy==1.17.1 pandas scikit-learn==1.9.1 fairlearn==0.15.0
exec "$venv/bin/python" "$here/evaluate/run.py" "$@"
