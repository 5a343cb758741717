#!/usr/bin/env bash
# Prints the path of a helm for the chart's tests, building it first from the Go module proxy
# (go install, pinned) into the git-ignored deploy/local/.bin when there is none. HELM overrides.
set -euo pipefail
HELM_VERSION=v4.3.2
if [ -n "${HELM:-}" ]; then echo "$HELM"; exit 0; fi
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/.bin"
# A go-installed helm reports only its minor version, so the build records the exact one.
if [ ! -x "$bin/helm" ] || [ "$(cat "$bin/helm.version" 2>/dev/null)" != "$HELM_VERSION" ]; then
  echo "helm.sh: building helm ${HELM_VERSION} with go install (about 2 minutes, once)" >&2
  mkdir -p "$bin"
  GOBIN="$bin" go install "helm.sh/helm/v4/cmd/helm@${HELM_VERSION}" >&2
  echo "$HELM_VERSION" > "$bin/helm.version"
fi
echo "$bin/helm"
