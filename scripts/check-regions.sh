#!/usr/bin/env bash
# Checks the region table in src/aws/regions.rs against the aws provider 5.100.0 itself:
# every listed region must be one the provider accepts, and every region listed as newer
# than the provider must be one it refuses ("invalid AWS Region"). Run it after editing the
# table; it is not part of scripts/test.sh (one `tofu plan` per region takes a few minutes).
#
# Usage:  scripts/check-regions.sh
# Env:    TAPGEN_TOFU  the tofu binary (default: scripts/install-tofu.sh builds or finds it)
# Exit:   0 the table matches the provider; 1 it does not; other: could not check.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
table=$here/../src/aws/regions.rs
tofu=${TAPGEN_TOFU:-$("$here/install-tofu.sh" | tail -1)}
TAPGEN_AWS_PROVIDER_VERSION=5.100.0 TF_CLI_CONFIG_FILE=$("$here/tf-mirror.sh" | tail -1)
export TF_CLI_CONFIG_FILE

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/main.tf" <<'EOF'
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
variable "region" { type = string }
provider "aws" {
  region                      = var.region
  access_key                  = "check"
  secret_key                  = "check"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
data "aws_region" "current" {}
EOF
(cd "$work" && "$tofu" init -input=false >/dev/null)

# Region ids are the quoted `xx-yyyy-N` strings; the newer ones sit in NEWER_THAN_PROVIDER.
listed=$(sed -n '/^pub const PARTITIONS/,/^];/p' "$table" | grep -oE '"[a-z]+(-[a-z]+)+-[0-9]+"' | tr -d '"')
newer=$(sed -n '/^pub const NEWER_THAN_PROVIDER/p' "$table" | grep -oE '"[a-z]+(-[a-z]+)+-[0-9]+"' | tr -d '"')

accepted() {
  local out
  # tofu exits non-zero on the refusal; the verdict is in its message.
  out=$(cd "$work" && "$tofu" plan -input=false -no-color -var "region=$1" 2>&1) || true
  [[ $out != *"invalid AWS Region"* ]]
}

status=0
for region in $listed; do
  if ! accepted "$region"; then
    echo "listed but refused by the provider: $region"
    status=1
  fi
done
for region in $newer; do
  if accepted "$region"; then
    echo "listed as newer but accepted by the provider: $region"
    status=1
  fi
done
echo "checked $(echo "$listed" | wc -w) listed and $(echo "$newer" | wc -w) newer regions"
exit $status
