#!/usr/bin/env bash
# Installs what a fresh clone is missing before `npm test`, `npm run demo` or `npm run bench`:
# the npm dependencies and the Kafka jars. It starts nothing; the test setup and the demo
# start the broker themselves (deploy/local/kafka.sh start) and stop it if they started it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
need() { command -v "$1" >/dev/null || { echo "bootstrap: $1 is required ($2)" >&2; exit 1; }; }
need node "Node.js 20 or later"
need java "a JDK 17 to run the local Kafka broker"
need mvn "Maven, to fetch the Kafka jars from Maven Central"
stamp=node_modules/.vigil-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "bootstrap: installing npm dependencies" >&2
  # npm install, not npm ci: registry mirrors may lack other platforms' optional binaries (Biome,
  # Rollup, Turbo), which npm then leaves out of the lock and npm ci rejects; install honours the lock.
  npm install --no-audit --no-fund >&2
  touch "$stamp"
fi
bash deploy/local/kafka.sh fetch
