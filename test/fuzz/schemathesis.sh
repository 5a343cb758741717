#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI description with Schemathesis (PyPI), installed on
# first use into deploy/local/.venv-fuzz (git-ignored). Arguments go to `schemathesis run`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv="$here/../../deploy/local/.venv-fuzz"
version=4.32.5
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  echo "fuzz: installing schemathesis $version into deploy/local/.venv-fuzz ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" >&2
fi
# The project's own checks (a JSON error body on every 4xx) are registered by the hooks module.
export SCHEMATHESIS_HOOKS=hooks
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
exec "$venv/bin/schemathesis" run "$@"
