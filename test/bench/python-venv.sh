# Sourced by the Python benchmarks: ensure_venv DIR IMPORTS PACKAGE... creates the git-ignored
# virtualenv DIR and installs the packages from PyPI unless `import IMPORTS` already works there.
ensure_venv() {
  local venv="$1" imports="$2"
  shift 2
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import $imports" 2>/dev/null; then
    echo "bench: installing $* into $venv ..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  fi
}
