#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and bench/results/* (about 8-10 minutes on 2 cores once built).
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
work="$repo/target/bench-work"
if [ -n "$quick" ]; then results="$work/quick"; report="$work/quick/BENCHMARKS.md"
else results="$repo/bench/results"; report="$repo/BENCHMARKS.md"; fi
rm -rf "$work/disk" "$results"
mkdir -p "$work/disk" "$results"
# A private copy, so a rebuild during the run cannot swap the binary under the benchmark.
rm -f "$work/tapgen"
cp target/release/tapgen "$work/tapgen"
# What the binary was built from (another checkout may move on while this runs).
{
  echo "rev $(git rev-parse --short=12 HEAD)"
  git status --porcelain -- src Cargo.toml Cargo.lock build.rs | sed 's/^/dirty /'
  echo "sha256 $(sha256sum "$work/tapgen" | cut -d' ' -f1)"
} > "$results/build.txt"

tmpfs=$(mktemp -d /dev/shm/tapgen-bench.XXXXXX)
trap 'rm -rf "$tmpfs"; rm -rf bench/cdktf/cdktf.out' EXIT

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
  --cdktf "$repo/bench/cdktf" --out "$results/results.json" $quick

say "criterion (cargo bench --bench render)"
if [ -n "$quick" ]; then crit_args=(--warm-up-time 0.2 --measurement-time 0.5 --sample-size 10)
else crit_args=(--warm-up-time 1 --measurement-time 3); fi
cargo bench --bench render -- --noplot "${crit_args[@]}" 2>&1 | grep -E 'time:|^staging/|one environment' || true

# Where the fresh-write time goes: syscall time of one fresh `terraform --env staging` and
# of 100 environments, on disk.
say "syscall profile (strace -c)"
if command -v strace >/dev/null; then
  for target in default envs-100; do
    dir="$work/disk/$target"
    rm -rf "$dir/envs" "$dir/modules"
    if [ "$target" = default ]; then cmd=("$work/tapgen" terraform --env staging)
    else cmd=("$work/tapgen" -c "$dir/tapgen.toml" terraform --all); fi
    (cd "$dir" && strace -f -c -w -o "$results/strace-$target.txt" "${cmd[@]}" 2>/dev/null)
    rm -rf "$dir/envs" "$dir/modules"
  done
fi
# CPU profile of the largest config, fresh output on tmpfs (no fsync cost to hide the CPU).
big=${counts##* }
dir="$tmpfs/envs-$big"
cmd=("$work/tapgen" -c "$dir/tapgen.toml" terraform --all)
if command -v perf >/dev/null; then
  say "perf record ($big environments)"
  rm -rf "$dir/envs" "$dir/modules"
  if perf record -q -F 10000 -o "$work/perf.data" -- "${cmd[@]}" >/dev/null 2>&1; then
    perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio -g none --percent-limit 0.7 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/^ +//; s/  +/  /g' | head -25 > "$results/perf-top.txt" || true
  fi
fi
if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
  # Instructions executed (user space, deterministic, unlike time on a shared machine) for
  # each N, fresh output on tmpfs; the largest N is also annotated by function.
  echo '{' > "$results/instructions.json"
  sep=
  for n in $counts; do
    say "valgrind --tool=callgrind ($n environments)"
    d="$tmpfs/envs-$n"
    rm -rf "$d/envs" "$d/modules"
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$n.out" \
      "$work/tapgen" -c "$d/tapgen.toml" terraform --all >/dev/null 2>"$work/callgrind.$n.log" || true
    rm -rf "$d/envs" "$d/modules"
    irefs=$(sed -nE 's/.*I +refs: +([0-9,]+).*/\1/p' "$work/callgrind.$n.log" | tr -d ,)
    [ -n "$irefs" ] && { printf '%s "%s": %s\n' "$sep" "$n" "$irefs" >> "$results/instructions.json"; sep=,; }
  done
  echo '}' >> "$results/instructions.json"
  {
    echo "exclusive (self) instructions:"
    callgrind_annotate "$work/callgrind.$big.out" 2>/dev/null | grep -E '^ *[0-9,]+ \( ?[0-9.]+%\) ' | head -16 \
      | sed -E 's/ \[[^]]*\]$//; s#\?\?\?:##; s#\./malloc/\./malloc/malloc\.c:#libc malloc.c:#'
    echo
    echo "inclusive instructions, tapgen functions:"
    callgrind_annotate --inclusive=yes "$work/callgrind.$big.out" 2>/dev/null | grep -E '^ *[0-9,]+ \( ?[0-9.]+%\) +\?\?\?:tapgen::' \
      | head -22 | sed -E 's/ \[[^]]*\]$//; s#\?\?\?:##'
  } > "$results/callgrind-top.txt" || true
fi
rm -rf "$dir/envs" "$dir/modules"
finished=$(date +%s)
end_load=$(cat /proc/loadavg)

# --- report ---------------------------------------------------------------------------------
say "plot and report"
python3 bench/plot.py "$results/results.json" "$results/time-vs-envs.svg"
python3 bench/report.py --results "$results" --bin "$work/tapgen" --disk "$work/disk" \
  --start-load "$start_load" --end-load "$end_load" --seconds "$((finished - started))" \
  --out "$report" $quick
say "wrote $report"
