#!/usr/bin/env bash
# Lay out an offline filesystem mirror of the hashicorp/aws provider that both
# OpenTofu and Terraform install from, plus a CLI config pointing at it.
#
# Usage:  export TF_CLI_CONFIG_FILE=$(scripts/tf-mirror.sh | tail -1)
#   Progress goes to stderr; the last stdout line is the CLI config path.
# Env:
#   TAPGEN_TOOLS_DIR             cache root (default: $HOME/.cache/tapgen-tools);
#                                mirror and cli.tfrc go in <root>/provider-mirror
#   TAPGEN_AWS_PROVIDER_VERSION  use exactly this version (default: newest found)
#   TAPGEN_BUILD_PROVIDER=1      if none is found, build it with `go` instead
#                                (slow: a ~700 MB binary, needs many GB of RAM)
#   TAPGEN_PROVIDER_COMMIT       commit to build (default: tag v5.100.0's)
#   TAPGEN_PROVIDER_BUILD_VERSION version stamped into / naming that build
#                                (default: 5.100.0; set it with the commit)
# Exit:   0 ok; 3 no provider binary found (callers decide whether to skip);
#         anything else: an error.
set -euo pipefail

mirror=${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}/provider-mirror
want=${TAPGEN_AWS_PROVIDER_VERSION:-}
case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
platform=$(uname -s | tr '[:upper:]' '[:lower:]')_$arch
# Module path of the provider. It has no /v5 or /v6 suffix although its tags
# are v5.x/v6.x, so those tags are not valid Go versions for it: a release is
# addressed by its commit, which `go` resolves to a pseudo-version.
provider_mod=github.com/hashicorp/terraform-provider-aws
provider_commit=${TAPGEN_PROVIDER_COMMIT:-f7a3b98da589ab1d52756b0dcee0dbf2de83d635} # tag v5.100.0
provider_build_version=${TAPGEN_PROVIDER_BUILD_VERSION:-5.100.0}

log() { echo "tf-mirror: $*" >&2; }

# terraform-provider-aws_v5.100.0_x5 -> 5.100.0
bin_version() {
  local n=${1##*/}
  n=${n#terraform-provider-aws_v}
  echo "${n%%_*}"
}

# Candidate binaries, one path a line: plugin directories first, then a
# bounded search of the whole filesystem.
candidates() {
  local d found=""
  for d in /opt/tf-plugins "$HOME/.terraform.d/plugins" "${TF_PLUGIN_CACHE_DIR:-}"; do
    [[ -n $d && -d $d ]] || continue
    found+=$(find "$d" -path "*hashicorp/aws/*" -name 'terraform-provider-aws_v*' -type f 2>/dev/null || true)$'\n'
  done
  if [[ -z ${found//$'\n'/} ]]; then
    log "none in the plugin directories; searching / (this can take a minute)"
    # Pruned: pseudo filesystems and big trees that never hold provider
    # plugins (module caches, git dirs, node_modules, cargo targets).
    found=$(timeout 120 find / -maxdepth 12 \
      \( -path /proc -o -path /sys -o -path /dev -o -path /run \
      -o -path '*/pkg/mod' -o -name .git -o -name node_modules -o -path '*/target/debug' \) -prune \
      -o -path '*hashicorp/aws/*' -name 'terraform-provider-aws_*' -type f -print 2>/dev/null || true)
  fi
  printf '%s\n' "$found" | grep "/$platform/" | grep -v '\.zip$' || true
}

# Build the provider from the Go module proxy into $1. The provider's go.mod
# has replace directives, so (as for OpenTofu) `go install mod@ver` refuses
# to build it: make a throwaway main module that requires it and repeats them.
build_provider() {
  local out=$1 pv gomod
  work=$(mktemp -d) # global: the EXIT trap removes it if the build fails
  trap 'rm -rf "$work"' EXIT
  log "building $provider_mod at commit $provider_commit as $provider_build_version in $work"
  log "(slow: expect the better part of an hour and many GB of RAM on 2 cores)"
  # Not in an `if`: errexit must stay active inside the subshell.
  (
    cd "$work"
    export GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0
    pv=$(go list -m -f '{{.Version}}' "$provider_mod@$provider_commit")
    log "commit resolves to pseudo-version $pv"
    gomod=$(go mod download -json "$provider_mod@$pv" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
    go mod init tapgen.local/aws-provider-build 2>/dev/null
    # Copy the go version, godebug, replace and exclude lines of the provider's
    # go.mod: only the main module's are honoured.
    go mod edit -json "$gomod" | python3 -c '
import json, sys
m = json.load(sys.stdin)
v = lambda p: p["Path"] + ("@" + p["Version"] if p.get("Version") else "")
print("-go=" + m["Go"])
for g in m.get("GoDebug") or []:
    print("-godebug=%s=%s" % (g["Key"], g["Value"]))
for r in m.get("Replace") or []:
    print("-replace=%s=%s" % (v(r["Old"]), v(r["New"])))
for e in m.get("Exclude") or []:
    print("-exclude=" + v(e))
' | xargs go mod edit -require="$provider_mod@$pv"
    go get "$provider_mod@$pv"
    go build -trimpath \
      -ldflags "-s -w -X $provider_mod/version.ProviderVersion=$provider_build_version" \
      -o "$out.tmp" "$provider_mod"
  )
  mv -f "$out.tmp" "$out"
}

mapfile -t found < <(candidates)
if [[ -n $want ]]; then
  mapfile -t found < <(for f in "${found[@]}"; do [[ $(bin_version "$f") == "$want" ]] && echo "$f"; done)
fi
if ((${#found[@]} == 0)); then
  built=$mirror/built/terraform-provider-aws_v${provider_build_version}_x5
  if [[ ${TAPGEN_BUILD_PROVIDER:-} == 1 && ( -z $want || $want == "$provider_build_version" ) ]]; then
    [[ -x $built ]] || { mkdir -p "${built%/*}"; build_provider "$built"; }
    found=("$built")
  else
    log "no hashicorp/aws provider binary${want:+ v$want} for $platform found" \
      "(looked in /opt/tf-plugins, ~/.terraform.d/plugins, \$TF_PLUGIN_CACHE_DIR, then /)"
    log "hint: TAPGEN_BUILD_PROVIDER=1 builds $provider_mod v$provider_build_version with go" \
      "from the Go module proxy (set TAPGEN_PROVIDER_COMMIT/TAPGEN_PROVIDER_BUILD_VERSION for another release)"
    exit 3
  fi
fi

# Newest version wins; the first path listed for it (plugin dirs come first).
ver=$(for f in "${found[@]}"; do bin_version "$f"; done | sort -V | tail -1)
for f in "${found[@]}"; do
  if [[ $(bin_version "$f") == "$ver" ]]; then src=$f; break; fi
done
log "using hashicorp/aws v$ver from $src"

# Hard link when on the same filesystem (the mirror survives the source going
# away), else symlink. Never copy: the binary is ~700 MB.
link() {
  [[ $1 -ef $2 ]] && return 0
  ln -f "$1" "$2" 2>/dev/null || ln -sf "$1" "$2"
}
# Unpacked mirror layout is HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/<files>, and each
# tool looks under its own default registry host. Ask each tool which host that is
# (its error for a provider missing from an empty mirror names it) instead of
# writing hosts down here.
default_host() {
  local probe out
  probe=$(mktemp -d)
  printf 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n' >"$probe/main.tf"
  mkdir "$probe/empty"
  printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s/empty"\n  }\n}\n' "$probe" >"$probe/cli.tfrc"
  # init fails by design here; only its message matters.
  out=$(cd "$probe" || exit 0; TF_CLI_CONFIG_FILE=$probe/cli.tfrc timeout 120 "$1" init -backend=false -input=false -no-color 2>&1; true)
  rm -rf "$probe"
  [[ $out =~ ([a-z0-9.-]+\.[a-z]+)/hashicorp/aws ]] && echo "${BASH_REMATCH[1]}"
  return 0
}
hosts=()
tofu_bin=${TAPGEN_TOFU:-$("$(dirname "${BASH_SOURCE[0]}")/install-tofu.sh" | tail -1)}
for tool in "$tofu_bin" "$(command -v terraform || true)"; do
  [[ -n $tool && -x $tool ]] || continue
  host=$(default_host "$tool")
  if [[ -z $host ]]; then
    log "error: could not learn the default registry host of $tool"
    exit 1
  fi
  hosts+=("$host")
done
for host in "${hosts[@]}"; do
  dir=$mirror/$host/hashicorp/aws/$ver/$platform
  mkdir -p "$dir"
  link "$src" "$dir/${src##*/}"
  # The release package also holds LICENSE.txt; keeping it beside the binary
  # keeps the h1: hash that init records in lock files the same as for the
  # official package (the hash covers every file in the directory).
  if [[ -f ${src%/*}/LICENSE.txt ]]; then
    link "${src%/*}/LICENSE.txt" "$dir/LICENSE.txt"
  fi
done

# direct{exclude} keeps aws strictly offline while leaving other providers to
# the default network install (which fails offline, as it would anyway).
cfg=$mirror/cli.tfrc
cat >"$cfg.tmp" <<EOF
# Generated by scripts/tf-mirror.sh; used via TF_CLI_CONFIG_FILE.
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["hashicorp/aws"]
  }
  direct {
    exclude = ["hashicorp/aws"]
  }
}
EOF
mv -f "$cfg.tmp" "$cfg"
log "mirror ready in $mirror (hashicorp/aws $ver, $platform)"
echo "$cfg"
