#!/usr/bin/env python3
"""Runs every timed row of the tapgen benchmarks and writes them to a JSON file.

Called by bench/run.sh, which builds the binary and prepares the folders first:

    bench/measure.py --bin BIN --disk DIR --tmpfs DIR --cdktf DIR --out FILE [--quick]

* tapgen-only rows: hyperfine (wall median, mean user and system time) plus /usr/bin/time -f
  for peak RSS (median of a few runs).
* tapgen-vs-cdktf rows: this script alternates the commands itself, A,B,A,B,..., timing each
  run with time.perf_counter around posix_spawn..wait4 and taking user+sys time and peak RSS
  from the rusage wait4 returns for that child (ru_maxrss: the largest single process among
  the child and the descendants it waited for; see alternate() for small children).
  hyperfine given two commands runs all of A then all of B, so load that changes during the
  run would skew the ratio; alternating does not.

"fresh" rows delete the previous output before each run (outside the timing), so every file
and folder is created; "unchanged" rows re-run over up-to-date output, the usual case when
regenerating. DIR of --disk is on the repository's disk, --tmpfs on a RAM file system (no
block device, no journal), which separates CPU cost from storage cost.

"aside" rows are fresh rows whose previous output is renamed into a graveyard folder (next to
DIR of --disk, deleted by bench/run.sh at its end) instead of deleted. On an ext4 without a
journal, as this repository's disk is, the kernel skips inodes freed in the last minutes when
it allocates new ones, and checking each costs time: creating thousands of files soon after
deleting thousands, as the fresh rows do, costs far more kernel time than creating them where
nothing was deleted recently. The aside row runs first, before any other row deletes files
on the disk, and shows the cost without the benchmark's own deletions.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def log(msg):
    print(f"[measure {time.strftime('%H:%M:%S')} load {loadavg()[0]:.2f}] {msg}", file=sys.stderr, flush=True)


OUTPUTS = ("envs", "modules", "cdktf.out")


def clean(folder):
    for name in OUTPUTS:
        shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def set_aside(folder, graveyard):
    """Moves the outputs in folder into a new folder of graveyard, deleting nothing."""
    grave = None
    for name in OUTPUTS:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            grave = grave or tempfile.mkdtemp(dir=graveyard)
            os.rename(path, os.path.join(grave, name))


# ---------------------------------------------------------------------------------------
# hyperfine rows (tapgen only)


def hyperfine_row(row, runs, warmup, mem_runs, graveyard):
    cwd, cmd, fresh, aside = row["cwd"], row["cmd"], row["fresh"], row.get("aside")
    set_aside(cwd, graveyard) if aside else clean(cwd)
    if not fresh and row.get("what") != "floor":
        # Produce the output once; every timed run then finds it up to date.
        subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        args = ["hyperfine", "-N", "--style", "none", "--runs", str(runs), "--warmup", str(warmup),
                "--export-json", export.name]
        if aside:
            # Rename the previous output into a new graveyard folder; sync: see run_once.
            args += ["--prepare", f"sh -c 'd=$(mktemp -d {graveyard}/XXXXXXXX) && "
                                  "for x in envs modules; do if [ -e $x ]; then mv $x $d/; fi; done && sync'"]
        elif fresh:
            # sync: see run_once.
            args += ["--prepare", "sh -c 'rm -rf envs modules && sync'"]
        elif row.get("what") == "floor":
            pass
        args.append(" ".join(cmd))
        before = loadavg()
        subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
        after = loadavg()
        with open(export.name) as f:
            result = json.load(f)["results"][0]
    if any(result["exit_codes"]):
        sys.exit(f"{cmd} failed under hyperfine: exit codes {result['exit_codes']}")
    rss = []
    for _ in range(mem_runs):
        if fresh:
            set_aside(cwd, graveyard) if aside else clean(cwd)
        with tempfile.NamedTemporaryFile(mode="r", suffix=".time") as out:
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name] + cmd, cwd=cwd, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rss.append(int(out.read().split()[-1]))
    return {
        "tool": "hyperfine",
        "runs": len(result["times"]),
        "wall_ms": result["median"] * 1e3,
        "wall_min_ms": result["min"] * 1e3,
        "wall_max_ms": result["max"] * 1e3,
        "wall_mean_ms": result["mean"] * 1e3,
        "wall_stddev_ms": (result["stddev"] or 0) * 1e3,
        "cpu_ms": (result["user"] + result["system"]) * 1e3,
        "sys_ms": result["system"] * 1e3,
        "cpu_note": "mean",
        "rss_kb": statistics.median(rss),
        "rss_runs": len(rss),
        "load_before": before,
        "load_after": after,
    }


# ---------------------------------------------------------------------------------------
# alternating rows (tapgen vs cdktf)


def run_once(spec, log_fd):
    """One run of spec; returns (wall s, user+sys s, peak RSS KB as wait4 reports it)."""
    clean(spec["cwd"])
    # Flush dirty data (the previous run's output, the deletion) so that no run pays for the
    # write-back of an earlier one, whichever tool made it. tapgen itself does not fsync.
    os.sync()
    env = dict(os.environ, **spec.get("env", {}))
    exe = shutil.which(spec["cmd"][0])
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_DUP2, log_fd, 1), (os.POSIX_SPAWN_DUP2, log_fd, 2)]
    here = os.getcwd()
    os.chdir(spec["cwd"])  # posix_spawn has no cwd argument; this script is single-threaded
    try:
        start = time.perf_counter()
        pid = os.posix_spawn(exe, spec["cmd"], env, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    finally:
        os.chdir(here)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{spec['cmd']} in {spec['cwd']} exited with {code}; see alternating-runs.log next to --bin")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def rss_with_time(spec, runs):
    """Median peak RSS (KB) of `runs` separate runs under /usr/bin/time -f %M."""
    got = []
    for _ in range(runs):
        clean(spec["cwd"])
        with tempfile.NamedTemporaryFile(mode="r", suffix=".time") as out:
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out.name] + spec["cmd"], cwd=spec["cwd"],
                           env=dict(os.environ, **spec.get("env", {})), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            got.append(int(out.read().split()[-1]))
    return statistics.median(got), len(got)


def alternate(specs, rounds, log_path, mem_runs):
    """Runs specs in turn, `rounds` times, after one untimed warm-up round.

    Peak RSS: the kernel records the spawning process's own peak when the child calls exec,
    so wait4's ru_maxrss of a child smaller than this Python process (about 10-15 MB) shows
    Python's size. Such children (tapgen) are measured again under /usr/bin/time, whose own
    size is ~2 MB; larger ones (node) keep the value from wait4.
    """
    samples = {spec["id"]: [] for spec in specs}
    before = loadavg()
    with open(log_path, "a") as log_file:
        log_fd = log_file.fileno()
        for round_no in range(rounds + 1):
            for spec in specs:
                sample = run_once(spec, log_fd)
                if round_no > 0:
                    samples[spec["id"]].append(sample)
    after = loadavg()
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {}
    for spec in specs:
        got = samples[spec["id"]]
        walls = [s[0] * 1e3 for s in got]
        rss, rss_runs, rss_tool = statistics.median(s[2] for s in got), len(got), "wait4"
        if rss <= own_peak + 2048:
            rss, rss_runs = rss_with_time(spec, mem_runs)
            rss_tool = "/usr/bin/time"
        out[spec["id"]] = {
            "tool": "alternating",
            "runs": len(got),
            "wall_ms": statistics.median(walls),
            "wall_min_ms": min(walls),
            "wall_max_ms": max(walls),
            "cpu_ms": statistics.median(s[1] * 1e3 for s in got),
            "cpu_note": "median",
            "rss_kb": rss,
            "rss_runs": rss_runs,
            "rss_tool": rss_tool,
            "load_before": before,
            "load_after": after,
        }
    return out


# ---------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--disk", required=True)
    ap.add_argument("--tmpfs", required=True)
    ap.add_argument("--cdktf", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--graveyard", help="where aside rows put old output (same file system as "
                    "--disk; default: a `graveyard` folder next to --disk)")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    quick = args.quick
    tapgen = os.path.abspath(args.bin)
    disk, tmpfs, cdktf = (os.path.abspath(p) for p in (args.disk, args.tmpfs, args.cdktf))
    graveyard = os.path.abspath(args.graveyard or os.path.join(os.path.dirname(disk), "graveyard"))
    os.makedirs(graveyard, exist_ok=True)
    counts = [1, 10, 100] if quick else [1, 10, 100, 1000]
    rows = []

    def add(row, result):
        row = dict(row, **result)
        rows.append(row)
        log(f"{row['id']}: median {row['wall_ms']:.2f} ms, cpu {row['cpu_ms']:.2f} ms, "
            f"rss {row['rss_kb'] / 1024:.1f} MB ({row['runs']} runs)")

    # Runs per row: (runs, warm-up, memory runs), fewer for slow rows and in --quick.
    def plan(n, fresh):
        if quick:
            return (3, 1, 1)
        if n >= 1000:
            return (3, 1, 2) if fresh else (10, 1, 3)
        if n >= 100:
            return (10, 1, 3) if fresh else (20, 2, 3)
        return (40, 3, 5) if fresh else (100, 10, 5)

    # 0. The floor: starting a process on this machine, and tapgen doing nothing.
    for name, cmd in (("true", ["/bin/true"]), ("version", [tapgen, "--version"])):
        row = {"id": f"floor-{name}", "cmd": cmd, "cwd": os.path.join(disk, "default"), "fresh": False,
               "where": "disk", "state": "-", "n": 0, "what": "floor"}
        add(row, hyperfine_row(row, *plan(1, False), graveyard))

    # 0b. The largest config, fresh output on disk with the previous output set aside, not
    # deleted, before any row below deletes files on the disk (see "aside" in the module
    # docstring; with one environment's 16 files the difference is lost in the noise).
    folder = os.path.join(disk, f"envs-{max(counts)}")
    row = {"id": f"all-{max(counts)}-aside-disk", "cwd": folder, "n": max(counts), "what": "all",
           "cmd": [tapgen, "-c", os.path.join(folder, "tapgen.toml"), "terraform", "--all"],
           "fresh": True, "aside": True, "where": "disk", "state": "fresh, old output set aside"}
    add(row, hyperfine_row(row, *plan(row["n"], True), graveyard))

    # 1. Default config, one environment, and the module alone.
    for where, root in (("disk", disk), ("tmpfs", tmpfs)):
        for fresh in (True, False) if where == "disk" else (True,):
            state = "fresh" if fresh else "unchanged"
            for name, cmd in (("staging", [tapgen, "terraform", "--env", "staging"]),
                              ("module", [tapgen, "module"])):
                row = {"id": f"{name}-{state}-{where}", "cmd": cmd, "cwd": os.path.join(root, "default"),
                       "fresh": fresh, "where": where, "state": state, "n": 1, "what": name}
                add(row, hyperfine_row(row, *plan(1, fresh), graveyard))

    # 2. Generated configs, `terraform --all`.
    for where, root in (("disk", disk), ("tmpfs", tmpfs)):
        for fresh in (True, False) if where == "disk" else (True,):
            state = "fresh" if fresh else "unchanged"
            for n in counts:
                folder = os.path.join(root, f"envs-{n}")
                cmd = [tapgen, "-c", os.path.join(folder, "tapgen.toml"), "terraform", "--all"]
                row = {"id": f"all-{n}-{state}-{where}", "cmd": cmd, "cwd": folder, "fresh": fresh,
                       "where": where, "state": state, "n": n, "what": "all"}
                add(row, hyperfine_row(row, *plan(n, fresh), graveyard))
    # 3. tapgen vs cdktf, alternating, fresh output on disk for both.
    log_path = os.path.join(os.path.dirname(tapgen), "alternating-runs.log")  # the work folder
    open(log_path, "w").close()
    node = ["node", "main.js"]
    cli = [os.path.join(cdktf, "node_modules", ".bin", "cdktf"), "synth"]

    def tapgen_spec(sid, n, root):
        if n == 1:
            return {"id": sid, "cwd": os.path.join(root, "default"),
                    "cmd": [tapgen, "terraform", "--env", "staging"]}
        folder = os.path.join(root, f"envs-{n}")
        return {"id": sid, "cwd": folder, "cmd": [tapgen, "-c", os.path.join(folder, "tapgen.toml"), "terraform", "--all"]}

    def cdktf_spec(sid, cmd, n, asset):
        return {"id": sid, "cwd": cdktf, "cmd": cmd,
                "env": {"TAPGEN_BENCH_ENVS": str(n), "TAPGEN_BENCH_ASSET": asset, "CHECKPOINT_DISABLE": "1"}}

    # One round: tapgen (ext4), cdktf, tapgen (tmpfs), cdktf other mode. Neither tool fsyncs
    # (checked with strace); both write fresh output on ext4 in the like-for-like columns.
    pairs = [
        ("node", 1, 2 if quick else 16, [
            tapgen_spec("pair-node-1:tapgen-disk", 1, disk), cdktf_spec("pair-node-1:cdktf-archive", node, 1, "archive"),
            tapgen_spec("pair-node-1:tapgen-tmpfs", 1, tmpfs), cdktf_spec("pair-node-1:cdktf-none", node, 1, "none")]),
        ("node", 10, 1 if quick else 8, [
            tapgen_spec("pair-node-10:tapgen-disk", 10, disk), cdktf_spec("pair-node-10:cdktf-archive", node, 10, "archive"),
            tapgen_spec("pair-node-10:tapgen-tmpfs", 10, tmpfs), cdktf_spec("pair-node-10:cdktf-none", node, 10, "none")]),
        ("cli", 1, 1 if quick else 7, [
            tapgen_spec("pair-cli-1:tapgen-disk", 1, disk), cdktf_spec("pair-cli-1:cdktf-cli", cli, 1, "archive"),
            tapgen_spec("pair-cli-1:tapgen-tmpfs", 1, tmpfs)]),
    ]
    for group, n, rounds, specs in pairs:
        log(f"alternating {group} n={n}: {rounds} rounds of {[s['id'] for s in specs]}")
        results = alternate(specs, rounds, log_path, 1 if quick else 5)
        for spec in specs:
            tool, _, variant = spec["id"].partition(":")
            where = "tmpfs" if spec["cwd"].startswith(tmpfs) else "disk"
            add({"id": spec["id"], "cmd": spec["cmd"], "cwd": spec["cwd"], "env": spec.get("env", {}),
                 "fresh": True, "where": where, "state": "fresh", "n": n, "what": variant,
                 "pair": f"{group}-{n}"}, results[spec["id"]])
    # Set the disk's outputs aside rather than delete them, so bench/run.sh's syscall profile
    # on the disk, which follows soon, does not pay for these deletions (see "aside").
    set_aside(cdktf, graveyard)
    for sub in ["default"] + [f"envs-{n}" for n in counts]:
        set_aside(os.path.join(disk, sub), graveyard)
        clean(os.path.join(tmpfs, sub))

    with open(args.out, "w") as f:
        json.dump({"quick": quick, "counts": counts, "rows": rows}, f, indent=1)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
