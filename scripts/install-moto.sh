#!/usr/bin/env bash
# Install the pinned AWS emulator (moto's server mode, scripts/requirements-emulator.txt)
# into a venv in a cache outside the repo, for the emulator tests (tests/emulator.rs),
# which start it themselves on a free loopback port.
#
# Usage:  export TAPGEN_MOTO=$(scripts/install-moto.sh | tail -1)
#   Progress goes to stderr; the last stdout line is the path to moto_server (the venv's
#   python, beside it, is what the tests ask for moto's version and sources).
# Env:    TAPGEN_TOOLS_DIR  cache root (default: $HOME/.cache/tapgen-tools)
#         PYTHON            interpreter for the venv (default: python3)
# Exit:   0 ok (already installed, or installed now); non-zero on failure.
#
# The venv is ${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}/venv-emulator-<hash>, <hash>
# being the first 12 hex digits of the sha256 of the requirement lines (comments and blank
# lines left out, so that editing a comment does not rebuild it). It is created on first
# use (about a minute) and reused until a pin changes. A marker file is written only after
# pip succeeds, so an interrupted install is redone on the next run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements=$here/requirements-emulator.txt
tools_dir=${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}

log() { echo "install-moto: $*" >&2; }

pins=$(sed 's/[[:space:]]*#.*//' "$requirements" | grep -v '^[[:space:]]*$')
req_hash=$(printf '%s\n' "$pins" | sha256sum | cut -c1-12)
venv=$tools_dir/venv-emulator-$req_hash
marker=$venv/.tapgen-installed
moto=$venv/bin/moto_server

if [[ -f $marker && -x $moto ]]; then
  log "reusing venv $venv"
else
  python=${PYTHON:-python3}
  log "creating venv $venv ($("$python" --version 2>&1))"
  rm -rf "$venv"
  mkdir -p "$tools_dir"
  "$python" -m venv "$venv"
  log "installing $requirements (about a minute)"
  # stdout to stderr: the last stdout line of this script is the path alone.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  touch "$marker"
fi
log "moto $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))')"
echo "$moto"
