#!/usr/bin/env bash
# Runs every test of tapgen, installing what the tests need at pinned versions first:
# OpenTofu, terraform-docs, tflint and its AWS ruleset, an OCI registry (distribution) and
# client (oras) (each built from the Go module proxy), taplo (from the npm registry), an
# offline aws provider mirror, uv (the installer of Lambda dependencies), the Lambda
# handler's test dependencies, checkov and an AWS emulator (moto), each in a cache outside
# the repo.
#
# Usage: scripts/test.sh
# Ends with one line "N passed, N failed" over every suite; exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export TAPGEN_TOOLS_DIR=${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}
export CARGO_TERM_COLOR=never CHECKPOINT_DISABLE=1
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

step() { printf '\n==> %s\n' "$*"; }
passed=0
failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

step "OpenTofu (pinned; built once into $TAPGEN_TOOLS_DIR)"
TAPGEN_TOFU=$(scripts/install-tofu.sh | tail -1)
export TAPGEN_TOFU
TF_CLI_CONFIG_FILE=/dev/null "$TAPGEN_TOFU" version | sed -n '/^OpenTofu/p'

step "terraform-docs, tflint and tflint-ruleset-aws (pinned; built once into $TAPGEN_TOOLS_DIR)"
TAPGEN_TERRAFORM_DOCS=$(scripts/install-go-tool.sh terraform-docs | tail -1)
TAPGEN_TFLINT=$(scripts/install-go-tool.sh tflint | tail -1)
# tflint loads plugins from this folder by file name: no `tflint --init`, no download.
TFLINT_PLUGIN_DIR=$(dirname "$(scripts/install-go-tool.sh tflint-ruleset-aws | tail -1)")
export TAPGEN_TERRAFORM_DOCS TAPGEN_TFLINT TFLINT_PLUGIN_DIR
"$TAPGEN_TERRAFORM_DOCS" --version
"$TAPGEN_TFLINT" --version | sed -n 1p

step "uv (pinned; the installer of Lambda dependencies, into $TAPGEN_TOOLS_DIR)"
TAPGEN_PIP=$(scripts/install-uv.sh | tail -1)
export TAPGEN_PIP
"$TAPGEN_PIP" --version
step "taplo (npm's @taplo/cli, pinned; installed once into $TAPGEN_TOOLS_DIR), which judges configs against tapgen schema"
TAPGEN_TAPLO=$(scripts/install-taplo.sh | tail -1)
export TAPGEN_TAPLO

step "distribution (an OCI registry) and oras (an OCI client), for module publish --oci (pinned; built once into $TAPGEN_TOOLS_DIR)"
TAPGEN_OCI_REGISTRY=$(scripts/install-go-tool.sh distribution | tail -1)
TAPGEN_ORAS=$(scripts/install-go-tool.sh oras | tail -1)
export TAPGEN_OCI_REGISTRY TAPGEN_ORAS
"$TAPGEN_OCI_REGISTRY" --version
"$TAPGEN_ORAS" version | sed -n 1p

step "aws provider mirror for tofu and terraform"
mirror_status=0
cli_config=$(scripts/tf-mirror.sh | tail -1) || mirror_status=$?
if [[ $mirror_status -eq 0 ]]; then
  export TAPGEN_TF_CLI_CONFIG=$cli_config
else
  echo "WARNING: no aws provider binary on this machine: init/validate against the real provider" >&2
  echo "WARNING: are skipped; the committed provider schema snapshot still checks every render." >&2
  echo "WARNING: TAPGEN_BUILD_PROVIDER=1 scripts/tf-mirror.sh builds one (long)." >&2
fi

step "AWS emulator (moto, pinned; installed once into a venv in $TAPGEN_TOOLS_DIR)"
# Not fatal here: the emulator tests in cargo test then fail, saying what is missing.
if TAPGEN_MOTO=$(scripts/install-moto.sh | tail -1); then
  export TAPGEN_MOTO
else
  echo "WARNING: could not install moto; the emulator tests will fail" >&2
fi
export TAPGEN_REQUIRE_TOOLS=1

step "nginx (Debian's package), the static host of the publishing tests"
if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
  # RUNLEVEL=1: install only; the tests start nginx themselves with their own config.
  { apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; } >"$log/apt" 2>&1 ||
    { cat "$log/apt" >&2; echo "WARNING: could not install nginx; the nginx test will fail" >&2; }
fi
/usr/sbin/nginx -v 2>&1 || true
if command -v terraform >/dev/null; then TF_CLI_CONFIG_FILE=/dev/null terraform version | sed -n '1p'; else echo "terraform: not installed (optional)"; fi

step "cargo fmt --check"
cargo fmt --check
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --quiet --all-targets -- -D warnings

step "cargo test"
cargo_status=0
cargo test 2>&1 | tee "$log/cargo" || cargo_status=$?
read -r p f < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$log/cargo")
count "$p" "$f"
if [[ $cargo_status -ne 0 && $f -eq 0 ]]; then count 0 1; fi

step "pytest: lambda/"
pytest_status=0
scripts/test-lambda.sh 2>&1 | tee "$log/pytest" || pytest_status=$?
p=$({ grep -Eo '[0-9]+ passed' "$log/pytest" || true; } | awk '{ s = $1 } END { print s + 0 }')
f=$({ grep -Eo '[0-9]+ (failed|error)' "$log/pytest" || true; } | awk '{ s += $1 } END { print s + 0 }')
count "$p" "$f"
if [[ $pytest_status -ne 0 && $f -eq 0 ]]; then count 0 1; fi

step "checkov: the committed module and every environment of the default and all-options configs"
scan=$log/scan
mkdir -p "$scan"
cp -r lambda "$scan/"
cp tests/configs/all-options.toml "$scan/tapgen.toml"
cargo run --quiet -- --config "$scan/tapgen.toml" terraform --all
checkov_status=0
scripts/checkov.sh modules/serverless-api envs/* "$scan"/modules/* "$scan"/envs/* || checkov_status=$?
if [[ $checkov_status -eq 0 ]]; then count 1 0; else count 0 1; fi

echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
