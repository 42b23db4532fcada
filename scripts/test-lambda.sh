#!/usr/bin/env bash
# Runs the Lambda handler's tests (lambda/tests) in a cached virtualenv.
#
# The venv lives outside the repo, keyed by a hash of lambda/requirements-dev.txt,
# so it is reused until the pins change and a changed pin gets a fresh venv.
# Usage: scripts/test-lambda.sh [extra pytest args...]   (from any directory)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

requirements="lambda/requirements-dev.txt"
tools_dir="${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}"
req_hash="$(sha256sum "$requirements" | cut -c1-12)"
venv="$tools_dir/venv-lambda-$req_hash"
# Written only after pip succeeds, so an interrupted install is redone next time.
marker="$venv/.tapgen-installed"

if [[ -f "$marker" ]]; then
    echo "==> reusing venv $venv"
else
    echo "==> creating venv $venv"
    rm -rf "$venv"
    mkdir -p "$tools_dir"
    python3 -m venv "$venv"
    echo "==> installing $requirements"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    touch "$marker"
fi

echo "==> running pytest on lambda/tests"
# No bytecode: lambda/ is zipped as the deployment package, keep it clean.
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -q lambda/tests "$@"
