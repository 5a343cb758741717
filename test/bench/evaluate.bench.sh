#!/usr/bin/env bash
# `npm run bench:evaluate`: vigil evaluate next to pandas + scikit-learn + Fairlearn on the same
# two NDJSON files. Installs them from PyPI into the git-ignored virtualenv of the drift-check
# bench on first use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/../../deploy/local/.venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import numpy, pandas, sklearn, fairlearn' 2>/dev/null; then
  echo "bench: installing numpy, pandas, scikit-learn, fairlearn into deploy/local/.venv ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check numpy==2.4.6 scipy==1.17.1 pandas scikit-learn==1.9.1 fairlearn==0.15.0
fi
exec "$venv/bin/python" "$here/evaluate/run.py" "$@"
