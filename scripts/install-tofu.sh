#!/usr/bin/env bash
# Build the pinned OpenTofu CLI from the Go module proxy into a cache outside
# the repo (no release downloads are possible on our machines).
#
# Usage:  TOFU=$(scripts/install-tofu.sh | tail -1)
#   Progress goes to stderr; the last stdout line is the path to the binary.
# Env:    TAPGEN_TOOLS_DIR  cache root (default: $HOME/.cache/tapgen-tools);
#                           the binary lands in $TAPGEN_TOOLS_DIR/tofu-<ver>/tofu
# Exit:   0 ok (already cached, or built and verified); non-zero on failure.
#
# Idempotent: when the cached binary already reports the pinned version this
# returns at once (~0.1 s). A cold build costs ~11 CPU-minutes (10-16 min wall
# on a busy 2-core machine), ~1.8 GB peak RSS, ~3 GB of Go module + build
# cache. See scripts/tofu-wrapper/go.mod for why a wrapper module is needed.
set -euo pipefail

# Pinned release; keep in sync with the require line in tofu-wrapper/go.mod.
TOFU_VERSION=1.12.6

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wrapper=$here/tofu-wrapper
dest=${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}/tofu-$TOFU_VERSION
bin=$dest/tofu

log() { echo "install-tofu: $*" >&2; }

# Prints the "OpenTofu vX.Y.Z" line of `$1 version`. Grepped rather than taken
# from line 1 because tofu prints CLI-config warnings (e.g. TF_CLI_CONFIG_FILE
# naming a missing file) on stdout before it.
version_line() { "$1" version 2>/dev/null | grep -m1 '^OpenTofu v' || true; }

# True when $1 is a tofu binary that reports exactly the pin (a build without
# the release ldflag would say v<ver>-dev instead).
reports_pinned() {
  [[ -x $1 && $(version_line "$1") == "OpenTofu v$TOFU_VERSION" ]]
}

if reports_pinned "$bin"; then
  log "OpenTofu v$TOFU_VERSION already installed"
  echo "$bin"
  exit 0
fi

if ! grep -Eq "^\s*(require\s+)?github.com/opentofu/opentofu v$TOFU_VERSION( |\$)" "$wrapper/go.mod"; then
  log "error: $wrapper/go.mod does not require opentofu v$TOFU_VERSION"
  exit 1
fi
command -v go >/dev/null || { log "error: go not found on PATH"; exit 1; }

log "building OpenTofu v$TOFU_VERSION with $(go version) into $dest"
log "(cold: module download + compile, ~10-15 min on 2 cores; only once)"
mkdir -p "$dest"
tmp=$(mktemp "$dest/.tofu.XXXXXX")
trap 'rm -f "$tmp"' EXIT
start=$SECONDS
# Same flags as OpenTofu's release config: static, trimmed paths, stripped,
# and version.dev=no so the version is not suffixed with "-dev".
# GOWORK=off: never let a go.work higher up change the build list.
# -buildvcs=false: the wrapper sits in our repo; its VCS state is irrelevant.
(
  cd "$wrapper"
  GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 \
    go build -trimpath \
      -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
      -o "$tmp" github.com/opentofu/opentofu/cmd/tofu
)
log "built in $((SECONDS - start))s; verifying"
if ! reports_pinned "$tmp"; then
  log "error: built binary reports '$(version_line "$tmp")', want 'OpenTofu v$TOFU_VERSION'"
  exit 1
fi
mv -f "$tmp" "$bin"   # atomic: concurrent runs never see a partial binary
log "installed $(version_line "$bin") at $bin"
echo "$bin"
