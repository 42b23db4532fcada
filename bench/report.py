#!/usr/bin/env python3
"""Writes BENCHMARKS.md from bench/results/ (called by bench/run.sh; not useful alone)."""
import argparse
import glob
import json
import os
import platform
import re
import subprocess
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(*cmd, cwd=REPO):
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def pkg_version(name):
    try:
        with open(os.path.join(REPO, "bench", "cdktf", "node_modules", name, "package.json")) as f:
            return json.load(f)["version"]
    except OSError:
        return "?"


def machine(disk):
    cpu, mem = "?", "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    fs = sh("df", "--output=fstype", disk).splitlines()[-1].strip()
    journal = None
    if fs == "ext4":
        dev = os.path.basename(sh("df", "--output=source", disk).splitlines()[-1].strip())
        task = read(f"/sys/fs/ext4/{dev}/journal_task")
        if task is not None:
            journal = task.strip() != "<none>"
    return {
        "journal": journal,
        "nproc": sh("nproc"),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "disk_fs": fs,
    }


def versions(binary, results):
    build = read(os.path.join(results, "build.txt")) or ""
    rev = next((l.split(" ", 1)[1] for l in build.splitlines() if l.startswith("rev ")), "?")
    dirty = [l.split(" ", 1)[1].strip() for l in build.splitlines() if l.startswith("dirty ")]
    if dirty:
        rev += (" + uncommitted changes in " + ", ".join(f"`{d.split()[-1]}`" for d in dirty[:8])
                + (" ..." if len(dirty) > 8 else "") + " (the binary was built from the working tree)")
    return {
        "tapgen": sh(binary, "--version"),
        "tapgen git rev (at build time)": rev,
        "rustc": sh("rustc", "--version"),
        "node": sh("node", "--version"),
        "cdktf (library)": pkg_version("cdktf"),
        "cdktf-cli": pkg_version("cdktf-cli"),
        "@cdktf/provider-aws": pkg_version("@cdktf/provider-aws"),
        "constructs": pkg_version("constructs"),
        "hyperfine": sh("hyperfine", "--version"),
        "GNU time": "/usr/bin/time (Debian package `time`)",
    }


def criterion_medians():
    meta = sh("cargo", "metadata", "--format-version", "1", "--no-deps")
    try:
        target = json.loads(meta)["target_directory"]
    except ValueError:
        target = os.path.join(REPO, "target")
    out = {}
    for path in sorted(glob.glob(os.path.join(target, "criterion", "staging", "*", "new", "estimates.json"))):
        name = path.split(os.sep)[-3]
        with open(path) as f:
            est = json.load(f)
        out[name] = {
            "median_us": est["median"]["point_estimate"] / 1e3,
            "lo_us": est["median"]["confidence_interval"]["lower_bound"] / 1e3,
            "hi_us": est["median"]["confidence_interval"]["upper_bound"] / 1e3,
        }
    return out


def ms(v):
    if v >= 1000:
        return f"{v / 1000:.2f} s"
    if v >= 100:
        return f"{v:.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    return f"{v:.2f} ms"


def mb(kb):
    return f"{kb / 1024:.1f} MB"


def verdict(ok):
    return "**met**" if ok else "**missed**"


def strace_summary(path):
    """Totals and per-syscall (calls, seconds) from `strace -c -w`."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    calls = {}
    for m in re.finditer(r"^\s*[\d.]+\s+([\d.]+)\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", text, re.M):
        if m.group(3) != "total":
            calls[m.group(3)] = (int(m.group(2)), float(m.group(1)))
    total = re.search(r"^\s*100\.00\s+([\d.]+)\s+\d+\s+(\d+)\s+(?:\d+\s+)?total$", text, re.M)
    return {
        "by_call": calls,
        "total_s": float(total.group(1)) if total else 0.0,
        "calls": int(total.group(2)) if total else 0,
    }


def callgrind_lists(text):
    """{"exclusive": {name: (instructions, percent)}, "inclusive": {...}} from callgrind-top.txt.

    A name listed more than once (inlined code attributed to several source files) is summed.
    """
    out = {"exclusive": {}, "inclusive": {}}
    part = None
    for line in (text or "").splitlines():
        if line.startswith("exclusive"):
            part = "exclusive"
        elif line.startswith("inclusive"):
            part = "inclusive"
        m = re.match(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.+)$", line)
        if m and part and m.group(3) != "PROGRAM TOTALS":
            name = re.sub(r"^.*?\.(?:rs|c|S):(?!:)", "", m.group(3))
            i, pct = out[part].get(name, (0, 0.0))
            out[part][name] = (i + int(m.group(1).replace(",", "")), pct + float(m.group(2)))
    return out


def read(path):
    try:
        with open(path) as f:
            return f.read().rstrip()
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--disk", required=True)
    ap.add_argument("--start-load", required=True)
    ap.add_argument("--end-load", required=True)
    ap.add_argument("--seconds", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--date", help="date of the run (default: now); to re-render a report from "
                    "existing results, pass the values saved in environment.json")
    a = ap.parse_args()
    with open(os.path.join(a.results, "results.json")) as f:
        data = json.load(f)
    rows = {r["id"]: r for r in data["rows"]}
    counts = data["counts"]
    mach = machine(a.disk)
    vers = versions(a.bin, a.results)
    crit = criterion_medians()
    with open(os.path.join(a.results, "criterion.json"), "w") as f:
        json.dump(crit, f, indent=1)
    meta = {"machine": mach, "versions": vers, "start_load": a.start_load, "end_load": a.end_load,
            "seconds": a.seconds, "date": a.date or time.strftime("%Y-%m-%d %H:%M %Z")}
    with open(os.path.join(a.results, "environment.json"), "w") as f:
        json.dump(meta, f, indent=1)
    loads = [x for r in data["rows"] for x in (r["load_before"][0], r["load_after"][0])]
    rel = os.path.relpath(a.results, os.path.dirname(os.path.abspath(a.out)))
    try:
        with open(os.path.join(a.results, "instructions.json")) as f:
            raw = json.load(f)
        instr = {int(k): v for k, v in raw.items() if k.isdigit()}
        instr_symbols = {int(k.split(":")[1]): v for k, v in raw.items() if k.startswith("symbols:")}
    except (OSError, ValueError):
        instr, instr_symbols = {}, {}
    cg_txt = read(os.path.join(a.results, "callgrind-top.txt"))
    cg = callgrind_lists(cg_txt)
    cg_named = read(os.path.join(a.results, "callgrind-named.txt"))
    named = callgrind_lists(cg_named)["inclusive"] if cg_named is not None else None
    try:
        with open(os.path.join(REPO, "bench", "results", "before-fixes.json")) as f:
            before = json.load(f)
    except (OSError, ValueError):
        before = None
    build = read(os.path.join(a.results, "build.txt")) or ""
    profile = next((l.split(" ", 1)[1] for l in build.splitlines() if l.startswith("profile ")), None)
    big = max(counts)

    def row(rid):
        return rows.get(rid)

    def wall(rid):
        r = rows.get(rid)
        return ms(r["wall_ms"]) if r else "-"

    def split_ok(r):
        """Whether a row's user/system split means anything: the kernel splits a process's CPU
        time between user and system by sampling at each scheduler tick (4 ms at 250 Hz), so
        for a run of a few ms the split is a coin toss; only the total is exact."""
        return r is not None and "sys_ms" in r and r["cpu_ms"] >= 40

    o = []
    w = o.append
    w("# Benchmarks")
    w("")
    w(f"Generated by `bench/run.sh`{' --quick (SMOKE RUN: few runs, not for quoting)' if a.quick else ''} "
      f"on {meta['date']}; the timed part took {a.seconds // 60} min {a.seconds % 60} s. "
      "Regenerate everything (this file, the plot and the raw data in `bench/results/`) with:")
    w("")
    w("    bench/run.sh            # full run, ~4 min on 2 cores once built")
    w("    bench/run.sh --quick    # ~1-2 min smoke run, writes only under target/bench-work/quick/")
    w("")
    w("All times are **medians** of whole-process runs (start-up, config parsing, rendering, "
      "zipping the Lambda, writing files) unless marked otherwise. *fresh* = the output folders "
      "are deleted before every run (outside the timing), so every file and folder is created; "
      "tapgen writes each file to a temporary file and renames it into place, without fsync "
      "(the atomic rename is its guarantee against a failed or killed process). *unchanged* = "
      "tapgen re-runs over its own up-to-date output (the common regenerate case: it compares "
      "and writes nothing). *set aside* = fresh, but the previous output is renamed out of the "
      "way instead of deleted (why that matters on this disk: [Fresh output on ext4]"
      "(#fresh-output-on-ext4)). *ext4* is the repository's disk, *tmpfs* a RAM file system "
      "(`/dev/shm`, no block device and no journal), which separates CPU cost from storage "
      "cost. cdktf always writes fresh into `bench/cdktf/cdktf.out` on ext4.")
    w("")
    w("## Machine")
    w("")
    w("| | |")
    w("| --- | --- |")
    w(f"| CPUs (`nproc`) | {mach['nproc']} |")
    w(f"| CPU model | {mach['cpu']} |")
    w(f"| memory | {mach['memory']} |")
    w(f"| kernel | {mach['kernel']} |")
    w(f"| file system of the work folder | {mach['disk_fs']} (virtual disk{', no journal' if mach.get('journal') is False else ''}) |")
    w(f"| load average (1/5/15 min) at start | {' '.join(a.start_load.split()[:3])} |")
    w(f"| load average at end | {' '.join(a.end_load.split()[:3])} |")
    w(f"| 1-min load seen during the rows | {min(loads):.2f} – {max(loads):.2f} |")
    w("")
    w(f"The CPU is shared with other work: a 1-min load above {mach['nproc']} means runs waited "
      "for a core. That is why the tapgen-vs-cdktf rows alternate the two tools run by run "
      "(A,B,A,B,...) so both see the same load, and why minima are listed next to medians.")
    w("")
    w("## Versions")
    w("")
    w("| | |")
    w("| --- | --- |")
    for k, v in vers.items():
        w(f"| {k} | {v} |")
    if profile:
        w(f"| tapgen release profile (`Cargo.toml`) | `{profile}` |")
    w("")
    w("The timed binary is `target/release/tapgen` as the release profile builds it (stripped). "
      "perf and callgrind need symbols, so they run a second build of the same commit with the "
      "same profile except `strip = false` (`target/bench-profile/`, built by `bench/run.sh`)"
      + (f"; both execute nearly the same instructions ({instr[big] / 1e6:,.1f} M and "
         f"{instr_symbols[big] / 1e6:,.1f} M for {big:,} environments)" if big in instr and big in instr_symbols else "")
      + ".")
    w("")

    # ------------------------------------------------------------------ targets
    stg = {k: rows.get(f"staging-{k}") for k in ("fresh-disk", "unchanged-disk", "fresh-tmpfs")}
    keys = ("tapgen-disk", "tapgen-tmpfs", "cdktf-archive", "cdktf-none", "cdktf-cli")
    pn1 = {k: rows.get(f"pair-node-1:{k}") for k in keys}
    pn10 = {k: rows.get(f"pair-node-10:{k}") for k in keys}
    pcli = {k: rows.get(f"pair-cli-1:{k}") for k in keys}
    allr = {k: rows.get(f"all-{big}-{k}") for k in ("fresh-disk", "unchanged-disk", "fresh-tmpfs", "aside-disk")}
    ft, fv = rows.get("floor-true"), rows.get("floor-version")
    e2e = crit.get("end_to_end_in_memory")

    def linear(series, stat="wall_ms"):
        """Per-environment marginal cost from 10→100 and from 100→big, and their ratio."""
        t = {n: rows[f"all-{n}-{series}"][stat] for n in counts if f"all-{n}-{series}" in rows}
        if not all(n in t for n in (10, 100, big)) or big <= 100:
            return None
        b1 = (t[100] - t[10]) / 90
        b2 = (t[big] - t[100]) / (big - 100)
        return b1, b2, (b2 / b1 if b1 > 0 else float("inf"))

    def ext4_note(r, aside):
        """Why a fresh-ext4 row is slow, from its system time and its set-aside twin."""
        text = "creating thousands of files right after deleting thousands costs kernel time"
        if split_ok(r):
            text += f" ({ms(r['sys_ms'])} of {ms(r['cpu_ms'])} CPU)"
        if aside:
            text += f"; with the old output set aside instead of deleted: {ms(aside['wall_ms'])}"
        return text + " (see [Fresh output on ext4](#fresh-output-on-ext4))"

    def busy(r):
        """A note when the machine was busy during a row (1-min load at or above the CPU count)."""
        peak = max(r["load_before"][0], r["load_after"][0])
        try:
            cpus = int(mach["nproc"])
        except ValueError:
            return ""
        return f"machine busy during this row (1-min load {peak:.2f} on {cpus} CPUs)" if peak >= cpus else ""

    def staging_note(r, key):
        bits = [busy(r)] if busy(r) else []
        t = stg.get("fresh-tmpfs")
        extra_wall, extra_cpu = (r["wall_ms"] - t["wall_ms"], r["cpu_ms"] - t["cpu_ms"]) if t else (0, 0)
        if key == "fresh-disk" and t and extra_wall > 0 and extra_cpu >= 0.7 * extra_wall:
            bits.append(f"{ms(t['wall_ms'])} on tmpfs; the {ms(extra_wall)} more on ext4 is CPU time "
                        f"({ms(r['cpu_ms'])} vs {ms(t['cpu_ms'])}): the kernel creating 16 files and their "
                        "folders on this disk right after the row deleted the previous run's (see "
                        "[Fresh output on ext4](#fresh-output-on-ext4))")
            return "; ".join(bits)
        if fv:
            bits.append(f"start-up floor `tapgen --version` {ms(fv['wall_ms'])}")
        if e2e:
            bits.append(f"in-process work {e2e['median_us'] / 1e3:.2f} ms (criterion)")
        bits.append(f"{ms(r['cpu_ms'])} CPU (user+sys): the rest is the kernel starting the process and "
                    "creating 16 files and their folders")
        return "; ".join(bits)

    w("## Targets")
    w("")
    w("| target | measured (median) | result | why missed |")
    w("| --- | --- | --- | --- |")
    for key, label in (("fresh-disk", "fresh output, ext4"), ("fresh-tmpfs", "fresh output, tmpfs"),
                       ("unchanged-disk", "output unchanged, ext4")):
        r = stg[key]
        if not r:
            continue
        ok = r["wall_ms"] < 5
        note = "" if ok else staging_note(r, key)
        w(f"| `tapgen terraform --env staging` < 5 ms ({label}) | {ms(r['wall_ms'])} "
          f"(min {ms(r['wall_min_ms'])}) | {verdict(ok)} | {note} |")
    peak = max(r["rss_kb"] for r in stg.values() if r)
    w(f"| `tapgen terraform --env staging` peak memory < 10 MB | {mb(peak)} (largest of the three) | "
      f"{verdict(peak < 10 * 1024)} | |")
    for tkey, label in (("tapgen-disk", "tapgen fresh on ext4"), ("tapgen-tmpfs", "tapgen fresh on tmpfs")):
        t, c, c2 = pn1[tkey], pn1["cdktf-archive"], pn1["cdktf-none"]
        if t and c:
            ratio = c["wall_ms"] / t["wall_ms"]
            extra = f" (vs no-asset mode {ms(c2['wall_ms'])}: {c2['wall_ms'] / t['wall_ms']:.0f}x)" if c2 else ""
            note = "" if ratio >= 50 else (
                f"tapgen's run in this pairing: {ms(t['wall_ms'])} (min {ms(t['wall_min_ms'])}), "
                f"{ms(t['cpu_ms'])} CPU; for 50x it needs ≤ {ms(c['wall_ms'] / 50)}")
            w(f"| ≥ 50x faster than `node main.js`, 1 env, same stack with zip asset ({label}) | "
              f"{ms(t['wall_ms'])} vs {ms(c['wall_ms'])}: **{ratio:.0f}x**{extra} | {verdict(ratio >= 50)} | {note} |")
    for tkey, label in (("tapgen-disk", "tapgen fresh on ext4"), ("tapgen-tmpfs", "tapgen fresh on tmpfs")):
        t, c = pcli[tkey], pcli["cdktf-cli"]
        if t and c:
            ratio = c["wall_ms"] / t["wall_ms"]
            note = "" if ratio >= 400 else (
                f"tapgen's run in this pairing: {ms(t['wall_ms'])} (min {ms(t['wall_min_ms'])}), "
                f"{ms(t['cpu_ms'])} CPU; for 400x it needs ≤ {ms(c['wall_ms'] / 400)}")
            w(f"| ≥ 400x faster than `cdktf synth`, 1 env ({label}) | {ms(t['wall_ms'])} vs "
              f"{ms(c['wall_ms'])}: **{ratio:.0f}x** | {verdict(ratio >= 400)} | {note} |")
    for key, label in (("fresh-disk", "fresh output, ext4"), ("aside-disk", "fresh output, ext4, old output set aside"),
                       ("fresh-tmpfs", "fresh output, tmpfs"), ("unchanged-disk", "output unchanged, ext4")):
        r = allr[key]
        if not r:
            continue
        ok = r["wall_ms"] < 1000
        note = ""
        if not ok and key == "fresh-disk":
            note = ext4_note(r, allr["aside-disk"] if allr["aside-disk"] and allr["aside-disk"]["wall_ms"] < r["wall_ms"] * 0.8 else None)
        elif not ok:
            note = f"{ms(r['cpu_ms'])} CPU" + (f", {ms(r['sys_ms'])} of it in the kernel" if split_ok(r) else "")
        w(f"| {big:,} environments < 1 s ({label}) | {ms(r['wall_ms'])} | {verdict(ok)} | {note} |")
    for key, label in (("fresh-disk", "ext4, fresh"), ("fresh-tmpfs", "tmpfs, fresh"),
                       ("unchanged-disk", "ext4, unchanged")):
        lin = linear(key)
        if lin:
            b1, b2, q = lin
            note = ""
            if q > 1.5 and key == "fresh-disk":
                note = ("the kernel's cost per created file grows with the files deleted nearby in the "
                        "minutes before (each row deletes its previous output); user-space instructions "
                        "are linear (last row)")
            elif q > 1.5:
                lo = linear(key, "wall_min_ms")
                if lo and lo[2] <= 1.5:
                    note = (f"within the noise of these rows: on the fastest run of each (min) the ratio is "
                            f"{lo[2]:.2f} ({lo[0]:.2f} vs {lo[1]:.2f} ms); user-space instructions are "
                            "linear (last row), and a quadratic term would give about 10")
            w(f"| cost grows linearly ({label}) | per extra environment: {b1:.2f} ms (10→100), "
              f"{b2:.2f} ms (100→{big:,}); ratio {q:.2f} | {verdict(q <= 1.5)} | {note} |")
    if all(n in instr for n in (10, 100, big)) and big > 100:
        b1 = (instr[100] - instr[10]) / 90
        b2 = (instr[big] - instr[100]) / (big - 100)
        w(f"| cost grows linearly (instructions executed, callgrind; fresh, tmpfs) | per extra environment: "
          f"{b1 / 1e6:.2f} M (10→100), {b2 / 1e6:.2f} M (100→{big:,}); ratio {b2 / b1:.2f} | "
          f"{verdict(b2 / b1 <= 1.5)} | |")
    w("")
    if ft and fv:
        text = (f"For scale: on this machine during this run, merely starting a process "
                f"(`/bin/true`) took {ms(ft['wall_ms'])} and `tapgen --version` {ms(fv['wall_ms'])} "
                "(median, hyperfine)")
        if e2e:
            text += (f"; the whole in-process pipeline for one environment takes "
                     f"{e2e['median_us'] / 1e3:.2f} ms (criterion, below)")
        w(text + ".")
        w("")
    if big > 100:
        w("\"Linear\" is judged by the marginal cost per environment: if it stays the same "
          f"(ratio ≤ 1.5) from 100 to {big:,} environments as from 10 to 100, the cost is "
          "linear; a quadratic term would make the ratio about 10.")
        w("")

    # ------------------------------------------------------------------ before / after
    if before and not a.quick:
        bh = before["hyperfine"]
        bi = {int(k): v * 1e6 for k, v in before["instructions_m"].items()}
        rev_now = vers.get("tapgen git rev (at build time)", "?")
        w("## Before and after the profile-driven fixes")
        w("")
        w(f"*Before*: the first full run, binary built at `{before['rev']}` on {before['date']} "
          f"(1-min load {before['load_during_rows']} during its rows); its report is kept as "
          f"[`bench/results/before-fixes.md`](bench/results/before-fixes.md) and the numbers below are "
          "read from it by `bench/before_fixes.py` into `bench/results/before-fixes.json` (rounded as "
          f"printed there). *After*: this run, `{rev_now.split()[0]}`. Same machine, same generated "
          "configs, same method (this run adds the *set aside* row, which deletes nothing). The "
          "fresh-ext4 rows of both runs include the kernel cost described in [Fresh output on "
          "ext4](#fresh-output-on-ext4).")
        w("")
        w("| measurement | before | after | after / before |")
        w("| --- | --- | --- | --- |")

        def line(label, b, now, fmt):
            if b is None or now is None:
                return
            w(f"| {label} | {fmt(b)} | {fmt(now)} | {now / b:.2f} |")

        for rid, label in (("floor-version", "`tapgen --version` (start-up floor)"),
                           ("staging-fresh-disk", "`terraform --env staging`, fresh, ext4"),
                           ("staging-fresh-tmpfs", "`terraform --env staging`, fresh, tmpfs"),
                           ("staging-unchanged-disk", "`terraform --env staging`, unchanged, ext4"),
                           (f"all-{big}-fresh-disk", f"`terraform --all`, {big:,} envs, fresh, ext4"),
                           (f"all-{big}-fresh-tmpfs", f"`terraform --all`, {big:,} envs, fresh, tmpfs"),
                           (f"all-{big}-unchanged-disk", f"`terraform --all`, {big:,} envs, unchanged, ext4")):
            if rid in bh and rid in rows:
                line(label + " (median wall)", bh[rid]["wall_ms"], rows[rid]["wall_ms"], ms)
        if allr["aside-disk"]:
            w(f"| `terraform --all`, {big:,} envs, fresh, ext4, old output set aside (median wall) | not measured | "
              f"{ms(allr['aside-disk']['wall_ms'])} | |")
        if f"all-{big}-fresh-disk" in bh and f"all-{big}-fresh-disk" in rows:
            line(f"`terraform --all`, {big:,} envs, fresh, ext4 (user+sys CPU, mean)",
                 bh[f"all-{big}-fresh-disk"]["cpu_ms"], rows[f"all-{big}-fresh-disk"]["cpu_ms"], ms)
        for lo, hi in ((10, 100), (100, big)):
            if lo < hi and all(n in bi and n in instr for n in (lo, hi)):
                line(f"instructions per extra environment, {lo:,}→{hi:,} (callgrind, fresh, tmpfs)",
                     (bi[hi] - bi[lo]) / (hi - lo), (instr[hi] - instr[lo]) / (hi - lo), lambda v: f"{v / 1e6:.2f} M")
        if before.get("callgrind_envs") == big and big in instr:
            line(f"instructions, `terraform --all`, {big:,} envs (callgrind total)",
                 before["callgrind_total"], instr[big], lambda v: f"{v / 1e6:,.1f} M")
        s1 = strace_summary(os.path.join(a.results, "strace-default.txt"))
        bs = before.get("strace", {}).get("default")
        if s1 and bs:
            now_fsync = s1["by_call"].get("fsync", (0, 0.0))[0]
            w(f"| fsync calls / syscall time of one fresh `terraform --env staging` on ext4 (strace) | "
              f"{bs['fsync_calls']} / {ms(bs['syscall_ms'])} | {now_fsync} / {ms(s1['total_s'] * 1e3)} | "
              f"{s1['total_s'] * 1e3 / bs['syscall_ms']:.2f} |")
        w("")
        w("The fixes, each for something the first run's profiles showed (its numbers from "
          "`before-fixes.md`, the *after* numbers from this run's callgrind profile at "
          f"{big:,} environments):")
        w("")
        inc, exc = before["callgrind_inclusive"], before["callgrind_exclusive"]
        bst = before.get("strace", {})
        low = min((v[1] for v in cg["inclusive"].values()), default=None)

        def after_incl(*names):
            for n in names:
                for source in (named or {}, cg["inclusive"]):
                    if n in source:
                        i, p = source[n]
                        return (f"`{n.replace('tapgen::', '')}` now {i / 1e6:,.1f} M of "
                                f"{(instr_symbols.get(big) or 0) / 1e6:,.0f} M instructions ({p:.2f} %)")
            short = " / ".join(f"`{n.replace('tapgen::', '')}`" for n in names)
            if named is not None:
                return f"{short} no longer appears in the profile (not called, or inlined by LTO)"
            return (f"{short} below the {len(cg['inclusive'])} tapgen functions listed in the callgrind "
                    f"profile (each ≥ {low:.2f} %)" if low is not None else "")

        ms_b, env_b, res_b = inc["tapgen::stack::module_spec"], inc["tapgen::stack::environments"], inc["tapgen::stack::resolve"]
        w(f"1. **One module spec for all environments** (`1d117ce`, *Resolve every environment against one "
          f"module spec*). Evidence: at {before['callgrind_envs']:,} environments `stack::module_spec` took "
          f"{ms_b['instructions'] / 1e6:,.0f} M of {before['callgrind_total'] / 1e6:,.0f} M instructions "
          f"({ms_b['percent']:.0f} %; `stack::environments`, which it called, {env_b['percent']:.0f} %), because "
          "`stack::resolve` rebuilt the `ModuleSpec`, walking every environment, once per environment: "
          "O(N²). The instructions per extra environment grew from "
          f"{(bi[100] - bi[10]) / 90 / 1e6:.2f} M (10→100) to {(bi[1000] - bi[100]) / 900 / 1e6:.2f} M "
          f"(100→1,000); `stack::resolve` as a whole was {res_b['percent']:.0f} %. After: "
          + after_incl("tapgen::stack::resolve", "tapgen::stack::module_spec")
          + "; the instructions per extra environment are flat (table above).")
        if bst.get("default") and bst.get("envs-100"):
            d, h = bst["default"], bst["envs-100"]
            w(f"2. **No fsync per staged file** (same commit). Evidence: `strace -c` of one fresh "
              f"`terraform --env staging` on ext4: {d['fsync_calls']} fsyncs took {ms(d['fsync_ms'])} of "
              f"{ms(d['syscall_ms'])} syscall time ({d['fsync_percent']:.0f} %); with 100 environments "
              f"{h['fsync_calls']} fsyncs, {ms(h['fsync_ms'])} of {ms(h['syscall_ms'])} ({h['fsync_percent']:.0f} %). "
              "The atomic rename already protects against a failed or killed run; only a power loss "
              "needed the fsync. After: "
              + (f"no fsync in the strace profiles; the same staging run spends {ms(s1['total_s'] * 1e3)} in syscalls."
                 if s1 is not None else "no fsync."))
        dt, cp = inc["tapgen::output::diff_text"], inc["tapgen::output::compare"]
        w(f"3. **Diffs only when shown** (`fee9032`). Evidence: on a normal write `output::compare` "
          f"({cp['percent']:.1f} % of the instructions at {before['callgrind_envs']:,} environments) built a "
          f"unified diff of every created file, `output::diff_text` {dt['instructions'] / 1e6:,.0f} M "
          f"({dt['percent']:.1f} %), although only `--check` and the hand-edited error show diffs. After: "
          + after_incl("tapgen::output::diff_text") + ".")
        wd, wdx = inc["tapgen::hcl::print::width"], exc["tapgen::hcl::print::width"]
        perf_w = before.get("perf_self_percent", {}).get("tapgen::hcl::print::width")
        w(f"4. **ASCII fast path for alignment widths** (`fee9032`). Evidence: `hcl::print::width`, which "
          "counted grapheme clusters of every key to align `=` signs, was "
          f"{wdx['percent']:.1f} % of the instructions by itself ({wd['percent']:.1f} % with what it called)"
          + (f" and {perf_w:.1f} % of native CPU samples, the largest tapgen symbol after B-tree search" if perf_w else "")
          + ". After: " + after_incl("tapgen::hcl::print::width") + ".")
        w("5. **Fewer syscalls per write and a smaller binary** (`ebd5ac9`): one `mkdir` per folder, "
          "existing bytes read once, an absolute output root; `hcl-rs` only for tests; release profile "
          "`lto = true`, `codegen-units = 1`, `panic = \"abort\"`, `strip = true`. Not driven by a single "
          "profile line; it trims the syscalls per written file (strace table below). Start-up did not "
          "measurably change (the `tapgen --version` row above).")
        w("")
        log = sh("git", "log", "--reverse", "--format=%h %s", f"{before['rev']}..{rev_now.split()[0]}",
                 "--", "src", "Cargo.toml", "Cargo.lock")
        if log and log != "?":
            w("Every commit between the two binaries that touches `src/` or `Cargo.toml` (`git log "
              f"{before['rev']}..{rev_now.split()[0]} -- src Cargo.toml Cargo.lock`):")
            w("")
            for l in log.splitlines():
                h, _, subject = l.partition(" ")
                w(f"- `{h}` {subject}")
            w("")
        w("Of those not numbered above, `aac8326` changes some generated bytes (deployment triggers, "
          "tuple layout) and `2d9d91f` an error message; neither changes the amount of work. Because "
          "the release profile changed too (LTO), the before/after numbers compare the two binaries "
          "as a whole, not one fix at a time. The *before* run also saw a busier machine (1-min load "
          f"up to {before['load_during_rows'].split()[-1]}); the instruction counts do not depend on load.")
        w("")

    # ------------------------------------------------------------------ comparison table
    w("## tapgen vs cdktf (alternating runs, fresh output on ext4)")
    w("")
    w("| envs | cdktf command | cdktf | tapgen command | tapgen, ext4 | ratio | tapgen, tmpfs | ratio | cdktf CPU | tapgen CPU (ext4) | cdktf peak RSS | tapgen peak RSS | runs each |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for group, n, tcmd, ckeys in (
            (pn1, 1, "`terraform --env staging`", (("cdktf-archive", "`node main.js` (zip asset)"), ("cdktf-none", "`node main.js` (no asset)"))),
            (pn10, 10, "`-c envs-10/tapgen.toml terraform --all`", (("cdktf-archive", "`node main.js` (zip asset)"), ("cdktf-none", "`node main.js` (no asset)"))),
            (pcli, 1, "`terraform --env staging`", (("cdktf-cli", "`cdktf synth` (CLI, zip asset)"),))):
        td, tt = group["tapgen-disk"], group["tapgen-tmpfs"]
        for key, ccmd in ckeys:
            c = group[key]
            if not (c and td and tt):
                continue
            w(f"| {n} | {ccmd} | {ms(c['wall_ms'])} | {tcmd} | {ms(td['wall_ms'])} | **{c['wall_ms'] / td['wall_ms']:.0f}x** | "
              f"{ms(tt['wall_ms'])} | **{c['wall_ms'] / tt['wall_ms']:.0f}x** | {ms(c['cpu_ms'])} | {ms(td['cpu_ms'])} | "
              f"{mb(c['rss_kb'])} | {mb(td['rss_kb'])} | {c['runs']} / {td['runs']} |")
    w("")
    td1, tt1 = pn1["tapgen-disk"], pn1["tapgen-tmpfs"]
    if td1 and tt1 and td1["cpu_ms"] > 1.5 * tt1["cpu_ms"]:
        w(f"In the one-environment rows tapgen on ext4 used {ms(td1['cpu_ms'])} of CPU against "
          f"{ms(tt1['cpu_ms'])} on tmpfs for the same work: the extra is CPU time, not waiting for the "
          "disk, most likely the kernel cost of creating files soon after this benchmark deleted "
          "thousands (each round deletes both tools' previous output; see [Fresh output on ext4]"
          "(#fresh-output-on-ext4)). The ratio against tmpfs is the one for tapgen's own work.")
        w("")
    w("How: `bench/measure.py` runs the commands in turn, round after round (tapgen on ext4, "
      "cdktf zip-asset, tapgen on tmpfs, cdktf no-asset; for the CLI row tapgen ext4, cdktf "
      "synth, tapgen tmpfs) after one untimed warm-up round, deleting each command's previous "
      "output and calling `sync` before each run, timing each with "
      "`time.perf_counter` around `posix_spawn`/`wait4` and taking user+sys time (median) and "
      "peak RSS from the `rusage` that `wait4` returns for that child; tapgen's peak RSS is "
      "re-measured under `/usr/bin/time` because `wait4` reports at least the spawning "
      "Python's own size for a small child. cdktf's peak RSS is the largest single process (cdktf spawns a child `node` per zip asset and the "
      "CLI spawns the app and `terraform`), not their sum. The zip-asset cdktf mode is the "
      "like-for-like comparison: tapgen also zips the Lambda (once per source folder) and "
      "writes `lambda.zip` into each environment. Neither tool calls fsync (cdktf checked "
      "with strace; tapgen: see the syscall profile below), so both columns on ext4 pay the "
      "same kind of storage cost; tapgen's tmpfs column shows its work without the disk. "
      "cdktf's CLI is run as `node_modules/.bin/cdktf synth` with `CHECKPOINT_DISABLE=1` (no "
      "`npx` start-up).")
    w("")

    # ------------------------------------------------------------------ tapgen rows
    w("## tapgen rows (hyperfine)")
    w("")
    w("| command | output | storage | runs | median | min | max | user+sys (mean) | of which system | peak RSS |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in data["rows"]:
        if r.get("tool") != "hyperfine":
            continue
        if r["what"] == "floor":
            cmd = "`/bin/true` (process start-up floor)" if r["id"] == "floor-true" else "`tapgen --version` (tapgen start-up floor)"
        elif r["what"] == "staging":
            cmd = "`tapgen terraform --env staging` (default config)"
        elif r["what"] == "module":
            cmd = "`tapgen module` (default config)"
        else:
            cmd = f"`tapgen -c envs-{r['n']}/tapgen.toml terraform --all` ({r['n']:,} env{'s' if r['n'] > 1 else ''})"
        storage = "-" if r["what"] == "floor" else ("ext4" if r["where"] == "disk" else "tmpfs")
        w(f"| {cmd} | {r['state']} | {storage} | {r['runs']} | "
          f"{ms(r['wall_ms'])} | {ms(r['wall_min_ms'])} | {ms(r['wall_max_ms'])} | {ms(r['cpu_ms'])} | "
          f"{ms(r['sys_ms']) if split_ok(r) else '-'} | {mb(r['rss_kb'])} |")
    w("")
    w("`hyperfine -N` (no shell), with `--prepare \"sh -c 'rm -rf envs modules && sync'\"` for fresh rows "
      "(the `sync` writes back the deletion and earlier runs' data before the timed run, so no run pays "
      "for an earlier one's write-back; the alternating rows do the same). The *set aside* row "
      "instead renames `envs` and `modules` into a new folder of `target/bench-work/graveyard/` "
      "(then `sync`), and runs first, before any other row deletes files on the disk (only the "
      f"{big:,}-environment config: for one environment's 16 files the effect is lost in the noise); the graveyard is "
      "deleted at the end of `bench/run.sh`. *of which system*: the mean system part of the CPU "
      "time, shown only for rows using 40 ms of CPU or more (the kernel splits CPU time between user "
      "and system by sampling at scheduler ticks, so for shorter runs only the total is exact). Peak "
      "RSS is the median of `/usr/bin/time -f %M` over a few separate runs. The rows run in the order "
      "listed. The generated "
      f"configs come from `bench/gen_configs.py` (example: [`{rel}/example-envs-10.toml`]"
      f"({rel}/example-envs-10.toml)): the default config's sections plus N `[env.eNNNN]` "
      "overlays cycling through dev-, staging- and prod-like settings.")
    w("")

    # ------------------------------------------------------------------ scaling
    w("## Time against number of environments")
    w("")
    w(f"![median wall time against environments]({rel}/time-vs-envs.svg)")
    w("")
    w("| environments | fresh, ext4 | fresh, tmpfs | unchanged, ext4 | per env (fresh, tmpfs) | peak RSS (fresh, tmpfs) |")
    w("| --- | --- | --- | --- | --- | --- |")
    for n in counts:
        fd, ftm, ud = (rows.get(f"all-{n}-{k}") for k in ("fresh-disk", "fresh-tmpfs", "unchanged-disk"))
        w(f"| {n:,} | {ms(fd['wall_ms']) if fd else '-'} | {ms(ftm['wall_ms']) if ftm else '-'} | "
          f"{ms(ud['wall_ms']) if ud else '-'} | {ms(ftm['wall_ms'] / n) if ftm else '-'} | {mb(ftm['rss_kb']) if ftm else '-'} |")
    w("")

    if instr:
        w("Instructions executed in user space (`valgrind --tool=callgrind`, fresh output on tmpfs): "
          "unlike time, this does not depend on the load of the machine.")
        w("")
        w("| environments | instructions | per environment | extra instructions per extra environment |")
        w("| --- | --- | --- | --- |")
        prev = None
        for n in sorted(instr):
            marginal = f"{(instr[n] - instr[prev]) / (n - prev) / 1e6:.2f} M ({prev:,}→{n:,})" if prev else "-"
            w(f"| {n:,} | {instr[n] / 1e6:,.1f} M | {instr[n] / n / 1e6:.2f} M | {marginal} |")
            prev = n
        w("")

    # ------------------------------------------------------------------ criterion
    w("## In-process (criterion, `cargo bench --bench render`)")
    w("")
    w("One environment (`staging` of the default config), no process start-up and no disk "
      "writes; median and its 95 % confidence interval.")
    w("")
    w("| step | median | 95 % CI |")
    w("| --- | --- | --- |")
    order = ["parse_config", "validate", "package_lambda_zip", "render_trees", "print_bytes", "end_to_end_in_memory"]
    desc = {
        "parse_config": "parse the embedded default config (`config::load::parse`)",
        "validate": "validate it and resolve `staging` (`config::validate::validate`)",
        "package_lambda_zip": "zip `lambda/` (`package::build`)",
        "render_trees": "render module + environment HCL trees (`render::module::files`, `render::root::files`)",
        "print_bytes": "print every file to bytes with headers and digests (`tapgen::plan`)",
        "end_to_end_in_memory": "all of the above (parse → validate → render incl. zip → print)",
    }
    for name in order + sorted(set(crit) - set(order)):
        if name in crit:
            c = crit[name]
            w(f"| {desc.get(name, name)} | {c['median_us']:.1f} µs | {c['lo_us']:.1f} – {c['hi_us']:.1f} µs |")
    w("")

    # ------------------------------------------------------------------ where the time goes
    w("## Where the time goes")
    w("")
    s1 = strace_summary(os.path.join(a.results, "strace-default.txt"))
    s100 = strace_summary(os.path.join(a.results, "strace-envs-100.txt"))
    if s1 and s100:
        w("**Syscalls.** `tapgen` writes each changed file to a temporary file in the target folder "
          "and renames it into place, creating each folder once; it calls no fsync. "
          f"`strace -f -c -w` of one fresh run on ext4 (`{rel}/strace-*.txt`; the old output set "
          "aside, not deleted, just before). Use the counts more than the times: strace makes every "
          "syscall slower, and the `openat` and `mkdir` times also carry the kernel cost of creating "
          "files soon after the rows before deleted thousands ([Fresh output on ext4](#fresh-output-on-ext4)):")
        w("")
        names = sorted(set(s1["by_call"]) | set(s100["by_call"]),
                       key=lambda n: -s100["by_call"].get(n, (0, 0.0))[1])
        top = [n for n in names if s100["by_call"].get(n, (0, 0))[0] >= 100 or n == "fsync"][:8]
        w("| syscall | calls, `--env staging` | time | calls, `--all` 100 envs | time | calls per extra environment |")
        w("| --- | --- | --- | --- | --- | --- |")
        for n in top:
            c1, t1 = s1["by_call"].get(n, (0, 0.0))
            c100, t100 = s100["by_call"].get(n, (0, 0.0))
            w(f"| `{n}` | {c1} | {ms(t1 * 1e3)} | {c100} | {ms(t100 * 1e3)} | {(c100 - c1) / 99:.1f} |")
        w(f"| all | {s1['calls']} | {ms(s1['total_s'] * 1e3)} | {s100['calls']} | {ms(s100['total_s'] * 1e3)} | "
          f"{(s100['calls'] - s1['calls']) / 99:.1f} |")
        w("")
        w("No `fsync` appears: the first run's largest syscall cost (see *Before and after*) is gone. "
          "Per environment tapgen writes 4 files (3 `.tf` files and `lambda.zip`); each costs two "
          "`openat` (reading the existing file, which fails for a new one, and creating the temporary "
          "file), a `write`, a `close` and a `renameat`, and each new folder a `mkdir`.")
        w("")
    fd_big, as_big = allr["fresh-disk"], allr["aside-disk"]
    perf_ext4 = read(os.path.join(a.results, "perf-ext4-after-delete.txt"))
    w("### Fresh output on ext4")
    w("")
    if fd_big and as_big and "sys_ms" in fd_big:
        tm = allr["fresh-tmpfs"]
        w(f"With {big:,} environments tapgen creates about {4 * big + 12:,} files. On tmpfs that takes "
          f"{ms(tm['wall_ms']) if tm else '-'}; on ext4 with the previous output deleted just before "
          f"(the fresh rows) {ms(fd_big['wall_ms'])}, of which {ms(fd_big['sys_ms'])} is CPU time in the "
          f"kernel, not waiting for the disk; on ext4 with the previous output set aside instead "
          f"{ms(as_big['wall_ms'])} ({ms(as_big['sys_ms'])} in the kernel).")
        w("")
    nojournal = mach.get("journal") is False
    if not nojournal:
        w("This disk is not the journal-less ext4 the explanation below was written for; "
          "check it against the kernel profile before relying on it.")
        w("")
    w("The reason is ext4's inode allocator on a file system without a journal, as this virtual "
      "disk is (`/sys/fs/ext4/<device>/journal_task` shows `<none>`): looking for a free inode, it "
      "skips every inode freed in the last 60 s, or in the last 6 min if that inode's inode-table "
      "block is dirty (`recently_deleted()` in `fs/ext4/ialloc.c`: without a journal it avoids "
      "reusing an inode before the disk surely has its deletion), and checking each candidate means "
      "finding its inode-table block in the buffer cache. A block turns dirty as soon as a new file "
      "gets an inode in it, so after `rm -rf` of a few thousand files even a `sync` and a minute's "
      "wait do not help: every new file scans past the freed inodes near it, and when a group has no "
      "other free inode, past all of them before taking one anyway. The kernel time per created file "
      "therefore grows with the number of files deleted nearby in the last minutes; the fresh-ext4 "
      "rows measure the benchmark's own `rm -rf` as much as tapgen, and each row is slowed by the "
      "rows before it. The *set aside* row deletes nothing and runs first, so it shows tapgen's "
      "cost on this disk when nothing was deleted nearby in the minutes before (as far as this "
      "benchmark controls the disk: `bench/run.sh` deletes its graveyard at the end and waits, "
      "if needed, until that is 6 minutes old before the next run). Kernel profile of one "
      f"{big:,}-environment run right after deleting its previous output (`{rel}/perf-ext4-after-delete.txt`):")
    w("")
    if perf_ext4:
        w("```")
        w(perf_ext4)
        w("```")
        w("")
    w("A user who regenerates with `rm -rf envs modules && tapgen terraform --all` on such a disk "
      "sees the fresh-ext4 numbers; one who generates into a new folder, or regenerates over "
      "existing output (the *unchanged* rows, or a few files changing), sees the set-aside and "
      "unchanged numbers. On a journalled ext4 (the default for `mkfs.ext4`) the kernel does not "
      "make this check.")
    w("")

    perf_txt = read(os.path.join(a.results, "perf-top.txt"))
    if perf_txt:
        w(f"**CPU, native (`perf record`), `terraform --all` with {big:,} environments, fresh, "
          "tmpfs**, top symbols by self time (kernel symbols are file-system work for "
          "`openat`/`rename`/`mkdir`/`statx` of ~4 files per environment, and page faults):")
        w("")
        w("```")
        w(perf_txt)
        w("```")
        w("")
    if cg_txt:
        w(f"**CPU, instruction counts (`valgrind --tool=callgrind`), same run**, top functions by "
          "exclusive and inclusive instructions (with LTO much is inlined, so inclusive counts "
          "belong to the functions that remain). Under valgrind the CPU reports no SHA "
          "extensions, so `sha2` falls back to software; natively it uses the SHA instructions "
          "(compare perf above), so discount the sha2 lines and `output::digest` here:")
        w("")
        w("```")
        w(cg_txt)
        w("```")
        w("")
    rev_now = vers.get("tapgen git rev (at build time)", "?").split()[0]
    w(f"Reading of the profiles (current code, `{rev_now}`):")
    w("")
    ex = cg["exclusive"]

    def pct(*patterns):
        return sum(p for n, (_, p) in ex.items() if any(re.search(x, n) for x in patterns))

    total_i = instr_symbols.get(big) or instr.get(big)
    if total_i and big > 100 and big in instr and 100 in instr:
        w(f"- User-space work is linear in the environments: {(instr[big] - instr[100]) / (big - 100) / 1e6:.2f} M "
          "instructions per extra environment from 100 on, the same as from 10 to 100.")
    malloc = pct(r"^_int_malloc$", r"^_int_free$", r"^malloc$", r"^free$", r"^malloc_consolidate$",
                 r"^realloc$", r"^_int_realloc$", r"^unlink_chunk", r"^cfree")
    if malloc:
        w(f"- malloc/free: {malloc:.0f} % of the instructions (listed libc malloc functions), spread over "
          "the printer building many small `String`s (`print::expr` returns a `String` per value, "
          "`format!` in the printer) and the render step building trees of owned strings.")
    paths = pct(r"compare_components", r"Components")
    if paths:
        top_native = next((l for l in (perf_txt or "").splitlines() if "  tapgen  " in l), "")
        w(f"- Path comparison: `std::path::compare_components` and `Components::next`, {paths:.0f} % "
          "together" + (", the largest tapgen symbol natively too (perf)" if "compare_components" in top_native else "")
          + ", called mostly from "
          "`tapgen::apply`, into which LTO inlined `output::write`: its `BTreeSet`/`BTreeMap` lookups "
          "keyed by `PathBuf` (files to change, folders made, previous bytes) compare paths component "
          "by component; a `HashSet` or comparing the `OsStr` bytes would be cheaper.")
    esc = pct(r"hcl::escape::escape")
    if esc:
        w(f"- `hcl::escape::escape` {esc:.0f} %: every string literal is scanned for characters to escape; "
          "a fast path for strings without `\"`, `\\`, `${` or `%{` would skip the copy.")
    if perf_txt and "sha2" not in perf_txt:
        w("- `output::digest` (SHA-256 of each file for its header) is the largest item under valgrind "
          "only because of the software fallback; natively no sha2 symbol reaches the perf listing's cut-off.")
    if stg["fresh-tmpfs"] and fv:
        w(f"- One environment: `terraform --env staging` on tmpfs takes {ms(stg['fresh-tmpfs']['wall_ms'])}, "
          f"of which the process start-up floor is {ms(fv['wall_ms'])} (`tapgen --version`)"
          + (f" and the in-process work {e2e['median_us'] / 1e3:.2f} ms (criterion)" if e2e else "")
          + (f"; re-running over unchanged output, which creates nothing, takes "
             f"{ms(stg['unchanged-disk']['wall_ms'])}" if stg["unchanged-disk"] else "")
          + ". The rest is mostly kernel work: creating 16 files and their folders (compare the "
          "unchanged run) and the page faults of a process that touches more memory than `--version`.")
    w("")
    with open(a.out, "w") as f:
        f.write("\n".join(o) + "\n")


if __name__ == "__main__":
    main()
