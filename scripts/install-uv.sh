#!/usr/bin/env bash
# Install the pinned uv, the installer tapgen uses for a Lambda handler's dependencies
# (requirements.txt, or pyproject.toml with uv.lock), into a virtualenv in a cache outside
# the repo. uv ships as a prebuilt binary inside its wheel, installed with pip from the
# configured package index; nothing else is downloaded.
#
# Usage:  TAPGEN_PIP=$(scripts/install-uv.sh | tail -1)
#   Progress goes to stderr; the last stdout line is the path to the uv binary.
# Env:    TAPGEN_TOOLS_DIR  cache root (default: $HOME/.cache/tapgen-tools); uv lands in
#                           $TAPGEN_TOOLS_DIR/uv-<ver>/bin/uv, where tapgen looks for it
#                           when TAPGEN_PIP is not set.
# Exit:   0 ok (already installed, or installed and verified); non-zero on failure.
#
# Idempotent: a finished install is marked (.tapgen-installed, written last), so an
# interrupted one is redone and a finished one returns at once. Cold: ~8 s.
set -euo pipefail

# Pinned release; tapgen's src/package/deps.rs (UV_VERSION) looks for this one.
UV_VERSION=0.13.8

venv=${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}/uv-$UV_VERSION
bin=$venv/bin/uv
marker=$venv/.tapgen-installed

log() { echo "install-uv: $*" >&2; }

# True when $1 is a uv that reports exactly the pin.
reports_pinned() {
  [[ -x $1 && $("$1" --version 2>/dev/null) == "uv $UV_VERSION"* ]]
}

if [[ -f $marker ]] && reports_pinned "$bin"; then
  log "uv $UV_VERSION already installed"
  echo "$bin"
  exit 0
fi

command -v python3 >/dev/null || { log "error: python3 not found on PATH"; exit 1; }
log "installing uv $UV_VERSION into $venv"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" >&2
if ! reports_pinned "$bin"; then
  log "error: $bin reports '$("$bin" --version 2>&1 || true)', want 'uv $UV_VERSION'"
  exit 1
fi
touch "$marker"
log "installed $("$bin" --version) at $bin"
echo "$bin"
