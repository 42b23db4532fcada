#!/usr/bin/env bash
# Scans rendered Terraform/OpenTofu directories with a pinned checkov.
#
# Usage:  scripts/checkov.sh DIR... [-- EXTRA_CHECKOV_ARGS...]      (from any directory)
#   e.g.  scripts/checkov.sh out/modules/serverless-api out/envs/*
#         scripts/checkov.sh out/envs/prod -- --output-file-path /tmp/ck -o json
#
# Each DIR is scanned as its own root, in its own checkov process:
#   checkov -d DIR --framework terraform --compact --quiet --skip-download \
#           --download-external-modules false
# --quiet prints only failed checks; the "Passed checks: N, Failed checks: N,
# Skipped checks: N" summary is printed for every DIR. Local module sources
# (module "api" { source = "../../modules/serverless-api" }) are still read and
# evaluated with the values the root passes; registry/git sources are not fetched.
#
# Why not one `checkov -d A -d B` call: with checkov 3.3.30, env roots that all
# call module "api" get mixed up. The second report repeated the first one's
# results, and with the roots in the other order a failing env's failures were
# dropped and the exit code was 0. Scanning the parent of envs/ mixes them too.
#
# checkov comes from scripts/requirements-checkov.txt, installed into a venv at
#   ${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}/venv-checkov-<sha256(requirements)[:12]>
# created on first use and reused until the pins change. A marker file is written
# only after pip succeeds, so an interrupted install is redone on the next run.
# Env:  TAPGEN_TOOLS_DIR  cache root (default: $HOME/.cache/tapgen-tools)
#       PYTHON            interpreter for the venv (default: python3)
# Exit: 0 when no DIR has a failed check (passes and inline skips only);
#       1 when a check failed, or a .tf file could not be parsed, in any DIR
#         (every DIR is still scanned);
#       2 on usage errors (no DIR, not a directory, no .tf files under it);
#       other non-zero codes when the install or checkov itself fails.
set -euo pipefail

log() { echo "==> $*"; }
err() { echo "checkov.sh: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requirements="$here/requirements-checkov.txt"

dirs=()
extra=()
while (($#)); do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        -*) err "unknown option $1 (pass checkov options after --)"; usage >&2; exit 2 ;;
        *) dirs+=("$1"); shift ;;
    esac
done
if ((${#dirs[@]} == 0)); then
    usage >&2
    exit 2
fi
# Resolve every DIR against the caller's cwd, and fail on a typo or an empty
# render before the slow install: checkov itself passes a dir with no .tf files.
abs_dirs=()
for d in "${dirs[@]}"; do
    if [[ ! -d $d ]]; then
        err "error: not a directory: $d"
        exit 2
    fi
    if [[ -z "$(find "$d" -name '*.tf' -type f -print -quit)" ]]; then
        err "error: no .tf files under $d"
        exit 2
    fi
    abs_dirs+=("$(cd "$d" && pwd)")
done

tools_dir="${TAPGEN_TOOLS_DIR:-$HOME/.cache/tapgen-tools}"
req_hash="$(sha256sum "$requirements" | cut -c1-12)"
venv="$tools_dir/venv-checkov-$req_hash"
# Written only after pip succeeds, so an interrupted install is redone next time.
marker="$venv/.tapgen-installed"
checkov="$venv/bin/checkov"

if [[ -f $marker && -x $checkov ]]; then
    log "reusing venv $venv"
else
    python="${PYTHON:-python3}"
    log "creating venv $venv ($("$python" --version 2>&1))"
    rm -rf "$venv"
    mkdir -p "$tools_dir"
    "$python" -m venv "$venv"
    log "installing $requirements (first run: about two minutes)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    touch "$marker"
fi
log "checkov $("$checkov" --version 2>/dev/null | tail -1)"

# --skip-download: no calls to the vendor's API for guidelines (works offline).
common=(--framework terraform --compact --quiet --skip-download
        --download-external-modules false)

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
failed=()
for d in "${abs_dirs[@]}"; do
    log "checkov -d $d ${common[*]}${extra[*]:+ ${extra[*]}}"
    rc=0
    "$checkov" -d "$d" "${common[@]}" "${extra[@]}" | tee "$out" || rc=${PIPESTATUS[0]}
    if ((rc == 1)) && ((${#extra[@]} == 0)) && ! grep -q 'Failed checks: [1-9]' "$out"; then
        # checkov also exits 1 on a crash; do not report that as failed checks.
        err "error: checkov exited 1 on $d without reporting a failed check"
        exit 3
    fi
    case $rc in
        0) ;;
        1) failed+=("$d") ;;
        *) err "error: checkov exited $rc on $d"; exit "$rc" ;;
    esac
    # checkov skips a .tf file it cannot parse and still exits 0, so nothing in
    # that file was checked: count it as a failure of this DIR.
    if ((rc == 0)) && grep -q 'Parsing errors: [1-9]' "$out"; then
        err "error: checkov could not parse a file under $d (terraform validate there says which)"
        failed+=("$d")
    fi
done

if ((${#failed[@]})); then
    log "FAILED (failed checks or unparsable files) in ${#failed[@]} of ${#abs_dirs[@]} dir(s): ${failed[*]}"
    exit 1
fi
log "no failed checks in ${#abs_dirs[@]} dir(s)"
