#!/usr/bin/env bash
# Build one pinned Go linting/docs tool from the Go module proxy into a cache
# outside the repo (no release downloads are possible on our machines), the way
# scripts/install-tofu.sh builds OpenTofu.
#
# Usage:  BIN=$(scripts/install-go-tool.sh TOOL | tail -1)
#   TOOL is one of: terraform-docs, tflint, tflint-ruleset-aws, distribution (the OCI
#   registry server of the `module publish --oci` tests), oras (an OCI client).
#   Progress goes to stderr; the last stdout line is the path to the binary.
# Env:    TAPGEN_TOOLS_DIR  cache root (default: $HOME/.cache/tapgen-tools);
#                           the binary lands in $TAPGEN_TOOLS_DIR/<tool>-<ver>/<tool>
#                           (for tflint-ruleset-aws that folder is the one to name
#                           in TFLINT_PLUGIN_DIR: tflint loads plugins by file name)
# Exit:   0 ok (already cached, or built and verified); non-zero on failure.
#
# Idempotent: when the cached binary was built from the pinned module version this
# returns at once. A cold build takes 1-6 minutes per tool on a busy 2-core
# machine (terraform-docs about 1, tflint-ruleset-aws about 4, tflint about 5,
# distribution about 5, oras about 1.5; shared dependencies in the Go build cache make
# later ones faster).
#
# Each tool has a wrapper module, scripts/<tool>-wrapper/ (go.mod + go.sum + a
# tools.go importing the main package): the proxy refuses `go install` for some
# of these versions (terraform-docs v0.24.0, tflint-ruleset-aws v0.36.0), and a
# wrapper that requires the release builds it with every dependency pinned.
set -euo pipefail

tool=${1:-}
# module: the module whose version is pinned; pkg: its main package (the module
# root unless the command lives below it).
pkg=
case $tool in
  terraform-docs) module=github.com/terraform-docs/terraform-docs version=v0.24.0 ;;
  tflint) module=github.com/terraform-linters/tflint version=v0.64.0 ;;
  tflint-ruleset-aws) module=github.com/terraform-linters/tflint-ruleset-aws version=v0.36.0 ;;
  distribution)
    module=github.com/distribution/distribution/v3 version=v3.1.2
    pkg=$module/cmd/registry
    ;;
  oras) module=oras.land/oras version=v1.3.6 pkg=$module/cmd/oras ;;
  *)
    echo "usage: $0 terraform-docs|tflint|tflint-ruleset-aws|distribution|oras" >&2
    exit 2
    ;;
esac
pkg=${pkg:-$module}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wrapper=$here/$tool-wrapper
dest=${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}/$tool-${version#v}
bin=$dest/$tool

log() { echo "install-go-tool: $tool: $*" >&2; }

# True when $1 is a binary whose embedded build info names the pinned module
# version (the `mod` line: the module of the main package). `go version -m`
# reads that info without running the binary, which works the same for the CLIs
# and for the ruleset plugin (which only runs when tflint starts it).
built_from_pin() {
  [[ -x $1 ]] && go version -m "$1" 2>/dev/null | grep -Eq "^\s+mod\s+$module\s+$version(\s|\$)"
}

command -v go >/dev/null || { log "error: go not found on PATH"; exit 1; }

if built_from_pin "$bin"; then
  log "$version already installed"
  echo "$bin"
  exit 0
fi

if ! grep -Eq "^\s*(require\s+)?$module $version( |\$)" "$wrapper/go.mod"; then
  log "error: $wrapper/go.mod does not require $module $version"
  exit 1
fi

log "building $module $version with $(go version) into $dest"
mkdir -p "$dest"
tmp=$(mktemp "$dest/.$tool.XXXXXX")
trap 'rm -f "$tmp"' EXIT
start=$SECONDS
# GOWORK=off: never let a go.work higher up change the build list.
# -mod=readonly: go.sum pins every dependency; a mismatch is an error, not an update.
# -buildvcs=false: the wrapper sits in our repo; its VCS state is irrelevant.
(
  cd "$wrapper"
  GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 \
    go build -trimpath -ldflags "-s -w" -o "$tmp" "$pkg"
)
log "built in $((SECONDS - start))s; verifying"
if ! built_from_pin "$tmp"; then
  log "error: built binary does not embed $module $version"
  exit 1
fi
mv -f "$tmp" "$bin" # atomic: concurrent runs never see a partial binary
log "installed $version at $bin"
echo "$bin"
