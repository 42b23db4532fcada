#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and bench/results/* (about 4 minutes on 2 cores once built; the
# first time, the two LTO release builds and the criterion bench build take a few more; within
# 6 minutes of a previous run it first waits, see "aside" in bench/measure.py).
#
#   bench/run.sh           full run: writes BENCHMARKS.md and bench/results/
#   bench/run.sh --quick   smoke run (about a minute, fewer runs, up to 100 environments):
#                          writes only under target/bench-work/quick/, never BENCHMARKS.md
#
# Needs cargo, python3, node/npm; installs hyperfine (and GNU time) with apt-get when missing,
# and runs `npm ci` in bench/cdktf when its node_modules is missing.
set -euo pipefail

quick=
case "${1:-}" in
  --quick) quick=--quick ;;
  "") ;;
  *) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
say() { printf '\n== %s (load %s)\n' "$*" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2; }

# --- prerequisites --------------------------------------------------------------------------
apt_install() {
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update
  $sudo apt-get install -y "$@"
}
command -v hyperfine >/dev/null || { say "installing hyperfine"; apt_install hyperfine; }
[ -x /usr/bin/time ] || { say "installing GNU time"; apt_install time; }
for tool in cargo python3 node npm; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is required" >&2; exit 1; }
done
if [ ! -x bench/cdktf/node_modules/.bin/cdktf ]; then
  say "npm ci in bench/cdktf"
  (cd bench/cdktf && npm ci --no-audit --no-fund)
fi

# --- build ----------------------------------------------------------------------------------
say "cargo build --release"
cargo build --release
# The release profile strips symbols; perf and callgrind need them. Same profile, symbols
# kept, in its own target folder (so target/release/tapgen stays the stripped binary).
say "cargo build --release, symbols kept (for perf and callgrind)"
CARGO_PROFILE_RELEASE_STRIP=false cargo build --release --target-dir target/bench-profile
work="$repo/target/bench-work"
if [ -n "$quick" ]; then results="$work/quick"; report="$work/quick/BENCHMARKS.md"
else results="$repo/bench/results"; report="$repo/BENCHMARKS.md"; fi
# Old output is renamed into $grave instead of deleted wherever a later step creates files on
# the disk (see "aside" in bench/measure.py); $grave is deleted when this script ends.
grave="$work/graveyard"
# The set-aside rows need a disk where nothing was deleted nearby in the last minutes (see
# "aside" in bench/measure.py), so wait until the previous run's clean-up is 6 minutes old.
if [ -f "$work/graveyard-deleted" ]; then
  wait_s=$(( $(cat "$work/graveyard-deleted") + 370 - $(date +%s) ))
  if [ "$wait_s" -gt 0 ]; then say "waiting ${wait_s} s: the previous run deleted its old output less than 6 min ago"; sleep "$wait_s"; fi
fi
rm -rf "$work/disk" "$grave"
mkdir -p "$work/disk" "$results" "$grave"
set_aside() {  # FOLDER: moves FOLDER/envs and FOLDER/modules into a new folder of $grave
  local d
  d=$(mktemp -d "$grave/XXXXXXXX")
  for x in envs modules; do if [ -e "$1/$x" ]; then mv "$1/$x" "$d/"; fi; done
}
# Everything in $results is regenerated, except the saved first run (before-fixes.md, fixed
# text, and the numbers bench/before_fixes.py took from it), which report.py compares with.
find "$results" -mindepth 1 -maxdepth 1 ! -name 'before-fixes.*' -exec rm -rf {} +
# A private copy, so a rebuild during the run cannot swap the binary under the benchmark.
rm -f "$work/tapgen" "$work/tapgen-symbols"
cp target/release/tapgen "$work/tapgen"
cp target/bench-profile/release/tapgen "$work/tapgen-symbols"
# What the binary was built from (another checkout may move on while this runs).
{
  echo "rev $(git rev-parse --short=12 HEAD)"
  git status --porcelain -- src Cargo.toml Cargo.lock build.rs | sed 's/^/dirty /'
  echo "sha256 $(sha256sum "$work/tapgen" | cut -d' ' -f1)"
  echo "profile $(grep -A8 '^\[profile.release\]' Cargo.toml | grep -E '^[a-z-]+ *=' | tr -s ' ' | paste -sd';' - | sed 's/;/; /g')"
} > "$results/build.txt"

tmpfs=$(mktemp -d /dev/shm/tapgen-bench.XXXXXX)
trap 'rm -rf "$tmpfs" "$grave"; rm -rf bench/cdktf/cdktf.out' EXIT

counts="1 10 100 1000"
[ -n "$quick" ] && counts="1 10 100"
for root in "$work/disk" "$tmpfs"; do
  mkdir -p "$root/default"
  cp -r lambda "$root/default/"
  # shellcheck disable=SC2086
  python3 bench/gen_configs.py "$root" $counts >/dev/null
  for n in $counts; do cp -r lambda "$root/envs-$n/"; done
done
cp "$work/disk/envs-10/tapgen.toml" "$results/example-envs-10.toml"

# --- measure --------------------------------------------------------------------------------
say "timed rows"
start_load=$(cat /proc/loadavg)
started=$(date +%s)
python3 bench/measure.py --bin "$work/tapgen" --disk "$work/disk" --tmpfs "$tmpfs" \
  --cdktf "$repo/bench/cdktf" --graveyard "$grave" --out "$results/results.json" $quick

say "criterion (cargo bench --bench render)"
if [ -n "$quick" ]; then crit_args=(--warm-up-time 0.2 --measurement-time 0.5 --sample-size 10)
else crit_args=(--warm-up-time 1 --measurement-time 3); fi
cargo bench --bench render -- --noplot "${crit_args[@]}" 2>&1 | grep -E 'time:|^staging/|one environment' || true

# Where the fresh-write time goes: syscalls of one fresh `terraform --env staging` and of
# 100 environments, on disk (count and time per syscall; strace slows each call down).
say "syscall profile (strace -c)"
if command -v strace >/dev/null; then
  for target in default envs-100; do
    dir="$work/disk/$target"
    set_aside "$dir"
    if [ "$target" = default ]; then cmd=("$work/tapgen" terraform --env staging)
    else cmd=("$work/tapgen" -c "$dir/tapgen.toml" terraform --all); fi
    (cd "$dir" && strace -f -c -w -o "$results/strace-$target.txt" "${cmd[@]}" 2>/dev/null)
    set_aside "$dir"
  done
fi
big=${counts##* }
# Kernel profile of the fresh-ext4 rows' situation: the largest config written right after
# deleting its previous output (what each fresh row's --prepare does), on the disk.
if command -v perf >/dev/null; then
  say "perf record ($big environments, fresh on ext4 right after deleting the previous output)"
  dir="$work/disk/envs-$big"
  cmd=("$work/tapgen-symbols" -c "$dir/tapgen.toml" terraform --all)
  set_aside "$dir"
  "${cmd[@]}" >/dev/null 2>&1
  rm -rf "$dir/envs" "$dir/modules" && sync
  if /usr/bin/time -f '%e s wall, %U s user, %S s system' -o "$work/perf-ext4.time" \
      perf record -q -F 10000 -o "$work/perf-ext4.data" -- "${cmd[@]}" >/dev/null 2>&1; then
    {
      echo "one run, under perf: $(cat "$work/perf-ext4.time")"
      perf report -i "$work/perf-ext4.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 1 2>/dev/null \
        | grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/^ +//; s/  +/  /g; s/tapgen-symbols/tapgen/' | head -12
    } > "$results/perf-ext4-after-delete.txt" || true
  fi
  set_aside "$dir"
fi
# CPU profile of the largest config, fresh output on tmpfs (no disk work to hide the CPU).
dir="$tmpfs/envs-$big"
cmd=("$work/tapgen-symbols" -c "$dir/tapgen.toml" terraform --all)
if command -v perf >/dev/null; then
  say "perf record ($big environments)"
  rm -rf "$dir/envs" "$dir/modules"
  if perf record -q -F 10000 -o "$work/perf.data" -- "${cmd[@]}" >/dev/null 2>&1; then
    perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.7 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/^ +//; s/  +/  /g; s/tapgen-symbols/tapgen/' | head -25 > "$results/perf-top.txt" || true
  fi
fi
if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
  # Instructions executed (user space, deterministic, unlike time on a shared machine) for
  # each N, fresh output on tmpfs, by the timed (stripped) binary; the largest N once more
  # by the binary with symbols, annotated by function ("symbols:N" in instructions.json:
  # the same code, so nearly the same count).
  echo '{' > "$results/instructions.json"
  sep=
  for n in $counts symbols:$big; do
    say "valgrind --tool=callgrind ($n environments)"
    bin="$work/tapgen"
    case $n in symbols:*) bin="$work/tapgen-symbols" ;; esac
    d="$tmpfs/envs-${n#symbols:}"
    rm -rf "$d/envs" "$d/modules"
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$n.out" \
      "$bin" -c "$d/tapgen.toml" terraform --all >/dev/null 2>"$work/callgrind.$n.log" || true
    rm -rf "$d/envs" "$d/modules"
    irefs=$(sed -nE 's/.*I +refs: +([0-9,]+).*/\1/p' "$work/callgrind.$n.log" | tr -d ,)
    [ -n "$irefs" ] && { printf '%s "%s": %s\n' "$sep" "$n" "$irefs" >> "$results/instructions.json"; sep=,; }
  done
  echo '}' >> "$results/instructions.json"
  {
    echo "exclusive (self) instructions:"
    callgrind_annotate "$work/callgrind.symbols:$big.out" 2>/dev/null | grep -E '^ *[0-9,]+ \( ?[0-9.]+%\) ' | head -20 \
      | sed -E 's/ \[[^]]*\]$//; s#\?\?\?:##; s#\./malloc/\./malloc/malloc\.c:#libc malloc.c:#; s#/rustc/[0-9a-f]*/library/##'
    echo
    echo "inclusive instructions, tapgen functions:"
    callgrind_annotate --inclusive=yes "$work/callgrind.symbols:$big.out" 2>/dev/null | grep -E '^ *[0-9,]+ \( ?[0-9.]+%\) +\?\?\?:tapgen::' \
      | head -22 | sed -E 's/ \[[^]]*\]$//; s#\?\?\?:##'
  } > "$results/callgrind-top.txt" || true
  # The functions the first run's profile pointed at (bench/results/before-fixes.md), wherever
  # they now rank (--threshold=100: all functions); one missing here is not called or inlined.
  {
    echo "inclusive instructions, functions named in the first run's findings:"
    callgrind_annotate --threshold=100 --inclusive=yes "$work/callgrind.symbols:$big.out" 2>/dev/null | sed -E 's/ \[[^]]*\]$//; s#\?\?\?:##' \
      | grep -E '^ *[0-9,]+ \( ?[0-9.]+%\) +tapgen::(stack::(resolve|module_spec|environments)|output::(compare|compare_with|diff_text)|hcl::print::width)$'
  } > "$results/callgrind-named.txt" || true
fi
rm -rf "$dir/envs" "$dir/modules" "$grave"
date +%s > "$work/graveyard-deleted"
finished=$(date +%s)
end_load=$(cat /proc/loadavg)

# --- report ---------------------------------------------------------------------------------
say "plot and report"
python3 bench/plot.py "$results/results.json" "$results/time-vs-envs.svg"
python3 bench/report.py --results "$results" --bin "$work/tapgen" --disk "$work/disk" \
  --start-load "$start_load" --end-load "$end_load" --seconds "$((finished - started))" \
  --out "$report" $quick
say "wrote $report"
