#!/usr/bin/env bash
# Install taplo, the TOML toolkit editors use to check a file against its JSON Schema, at a
# pinned version from the npm registry (its @taplo/cli package runs on node) into a cache
# outside the repo.
#
# Usage:  TAPLO=$(scripts/install-taplo.sh | tail -1)
#   Progress goes to stderr; the last stdout line is the path to the `taplo` command.
# Env:    TAPGEN_TOOLS_DIR  cache root (default: $HOME/.cache/tapgen-tools); the package
#                           lands in $TAPGEN_TOOLS_DIR/taplo-<ver>/
# Exit:   0 ok (already cached, or installed and verified); non-zero on failure.
set -euo pipefail

version=0.7.0
dir=${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}/taplo-$version
bin=$dir/node_modules/.bin/taplo
# `taplo --version` prints its version and exits 1: its words are the check.
works() {
  [[ -x $bin ]] || return 1
  local said
  said=$("$bin" --version 2>/dev/null || true)
  [[ $said == "taplo "* ]]
}
if ! works; then
  command -v npm >/dev/null || { echo "install-taplo: npm is not installed" >&2; exit 1; }
  echo "install-taplo: installing @taplo/cli@$version into $dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error \
    "@taplo/cli@$version" >&2
fi
works || { echo "install-taplo: $bin does not run" >&2; exit 1; }
"$bin" --version >&2 || true
echo "$bin"
