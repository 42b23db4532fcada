#!/usr/bin/env bash
# Snapshot the part of the hashicorp/aws provider schema tapgen emits into a
# small, deterministic JSON file (for tests that check generated HCL offline).
#
# Usage:  scripts/snapshot-provider-schema.sh OUT.json
#   e.g.  scripts/snapshot-provider-schema.sh tests/provider-schema/aws-5.100.0.json
#   Progress goes to stderr; the last stdout line is OUT.json's path.
# Env:
#   TAPGEN_AWS_PROVIDER_VERSION  provider version to snapshot (default 5.100.0)
#   TAPGEN_TF                    tofu or terraform binary to use (default:
#                                OpenTofu from scripts/install-tofu.sh, which
#                                builds it on first use)
#   TAPGEN_TOOLS_DIR             as for install-tofu.sh and tf-mirror.sh
#   TAPGEN                       tapgen command that lists the types (default:
#                                `cargo run --quiet --` in this repository)
# Exit:   0 ok; 3 no provider binary available (from tf-mirror.sh);
#         anything else: an error.
#
# Output shape is that of `tofu providers schema -json`, reduced to the
# provider block and the resource and data source types tapgen's families
# declare (`tapgen __families provider-types`), without description
# fields, and keyed by "hashicorp/aws" (no registry host) so that tofu and
# terraform produce the same file.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT.json" >&2; exit 2; }
out=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TAPGEN_AWS_PROVIDER_VERSION=${TAPGEN_AWS_PROVIDER_VERSION:-5.100.0}
log() { echo "snapshot-provider-schema: $*" >&2; }

tf=${TAPGEN_TF:-}
if [[ -z $tf ]]; then
  tf=$("$here/install-tofu.sh" | tail -1)
fi
rc=0
cfg=$("$here/tf-mirror.sh" | tail -1) || rc=$?
((rc == 0)) || exit "$rc"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/main.tf" <<EOF
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "= $TAPGEN_AWS_PROVIDER_VERSION" }
  }
}
EOF
log "using $tf with hashicorp/aws $TAPGEN_AWS_PROVIDER_VERSION"
(
  cd "$work"
  export TF_CLI_CONFIG_FILE=$cfg TF_DATA_DIR=$work/.terraform CHECKPOINT_DISABLE=1
  unset TF_PLUGIN_CACHE_DIR TF_WORKSPACE
  "$tf" init -backend=false -input=false -no-color >&2
  "$tf" providers schema -json >"$work/schema.json"
)

# The types come from the family list, the one place they are declared.
if [[ -n ${TAPGEN:-} ]]; then
  $TAPGEN __families provider-types >"$work/types"
else
  (cd "$here/.." && cargo run --quiet -- __families provider-types) >"$work/types"
fi
log "$(wc -l <"$work/types") provider types from tapgen __families provider-types"

mkdir -p "$(dirname "$out")"
python3 - "$work/schema.json" "$out.tmp" "$work/types" <<'PY'
import json, sys

with open(sys.argv[3]) as f:
    TYPES = [line.split() for line in f if line.strip()]
RESOURCES = [name for mode, name in TYPES if mode == "resource"]
DATA_SOURCES = [name for mode, name in TYPES if mode == "data"]
DROP = {"description", "description_kind"}


def clean(node, names=False):
    """Drop description fields. Maps under "attributes"/"block_types" are keyed
    by attribute/block names (aws_iam_role has an attribute named
    "description"), so their keys are kept; "type" values are cty types, whose
    object attribute names must be kept too, so they are copied verbatim."""
    if isinstance(node, list):
        return [clean(v) for v in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {k: clean(v) for k, v in node.items()}
    return {
        k: v if k == "type" else clean(v, names=k in ("attributes", "block_types"))
        for k, v in node.items()
        if k not in DROP
    }


src, dst = sys.argv[1:3]
with open(src) as f:
    data = json.load(f)
(aws,) = [v for k, v in data["provider_schemas"].items() if k.endswith("/hashicorp/aws")]
missing = sorted(set(RESOURCES) - set(aws["resource_schemas"])) + sorted(
    set(DATA_SOURCES) - set(aws["data_source_schemas"])
)
if missing:
    sys.exit("types missing from the provider schema: " + " ".join(missing))
trimmed = {
    "format_version": data["format_version"],
    "provider_schemas": {
        "hashicorp/aws": {
            "provider": clean(aws["provider"]),
            "resource_schemas": {r: clean(aws["resource_schemas"][r]) for r in RESOURCES},
            "data_source_schemas": {d: clean(aws["data_source_schemas"][d]) for d in DATA_SOURCES},
        }
    },
}
with open(dst, "w") as f:
    json.dump(trimmed, f, sort_keys=True, indent=1)
    f.write("\n")
PY
mv -f "$out.tmp" "$out"
log "wrote $out ($(wc -c <"$out") bytes)"
echo "$out"
