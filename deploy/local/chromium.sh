#!/usr/bin/env bash
# Prints the path of a Chromium for the browser tests, installing Debian's package first when there
# is none (apt-get, as root or through sudo). The tests drive it with puppeteer-core, which
# downloads no browser. CHROMIUM_PATH overrides the search.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ]; then echo "$CHROMIUM_PATH"; exit 0; fi
find_browser() { command -v chromium || command -v chromium-browser || true; }
path=$(find_browser)
if [ -z "$path" ]; then
  echo "chromium.sh: installing Debian's chromium package for the browser tests" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
  path=$(find_browser)
fi
[ -n "$path" ] || { echo "chromium.sh: no chromium after installing it" >&2; exit 1; }
echo "$path"
