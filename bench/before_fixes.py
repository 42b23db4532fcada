#!/usr/bin/env python3
"""Extracts the key numbers of the first benchmark run into a small JSON file.

    bench/before_fixes.py [bench/results/before-fixes.md [bench/results/before-fixes.json]]

bench/results/before-fixes.md is the BENCHMARKS.md that bench/run.sh wrote before the
profile-driven fixes (binary built at the git rev it names); it is kept as it was, fixed
text. This script reads the values out of its tables and profile listings, exactly as
printed there (so rounded as printed), and writes bench/results/before-fixes.json, which
bench/report.py reads for its "Before and after" section. bench/run.sh keeps both files.
Run it again only if before-fixes.md is replaced.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def table_rows(text):
    """Every markdown table row as a list of stripped cells."""
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("| ---"):
            yield [c.strip() for c in line.strip().strip("|").split("|")]


def to_ms(cell):
    m = re.fullmatch(r"([\d.,]+) (ms|s)", cell)
    if not m:
        raise ValueError(f"not a time: {cell!r}")
    v = float(m.group(1).replace(",", ""))
    return v * 1000 if m.group(2) == "s" else v


def to_mb(cell):
    return float(re.fullmatch(r"([\d.]+) MB", cell).group(1))


def find(pattern, text, flags=re.M):
    m = re.search(pattern, text, flags)
    if not m:
        raise SystemExit(f"before_fixes.py: {pattern!r} not found")
    return m


def main(src, dst):
    with open(src) as f:
        text = f.read()
    rows = list(table_rows(text))
    out = {
        "source": os.path.relpath(src, os.path.dirname(HERE)),
        "note": "values as printed in the source file (rounded there); times are medians",
        "rev": next(r[1] for r in rows if r[0] == "tapgen git rev (at build time)"),
        "date": find(r"on (\d{4}-\d\d-\d\d \d\d:\d\d \w+); the timed part", text).group(1),
        "load_during_rows": next(r[1] for r in rows if r[0] == "1-min load seen during the rows"),
        "hyperfine": {},
        "instructions_m": {},
    }
    # tapgen rows (hyperfine): command | output | storage | runs | median | min | max | cpu | rss
    for r in rows:
        if len(r) == 9 and r[0].startswith("`/bin/true`"):
            out["hyperfine"]["floor-true"] = {"wall_ms": to_ms(r[4]), "wall_min_ms": to_ms(r[5])}
        if len(r) == 9 and r[0].startswith("`tapgen --version`"):
            out["hyperfine"]["floor-version"] = {"wall_ms": to_ms(r[4]), "wall_min_ms": to_ms(r[5])}
        if len(r) != 9 or not r[0].startswith("`tapgen"):
            continue
        if r[0].startswith("`tapgen terraform --env staging`"):
            key = "staging"
        elif r[0].startswith("`tapgen -c envs-"):
            key = "all-" + find(r"envs-(\d+)/", r[0], 0).group(1)
        else:
            continue
        where = {"ext4": "disk", "tmpfs": "tmpfs"}[r[2]]
        out["hyperfine"][f"{key}-{r[1]}-{where}"] = {
            "wall_ms": to_ms(r[4]), "wall_min_ms": to_ms(r[5]), "cpu_ms": to_ms(r[7]), "rss_mb": to_mb(r[8])}
    # instructions: environments | instructions | per environment | extra per extra environment
    for r in rows:
        if len(r) == 4 and re.fullmatch(r"[\d,]+", r[0]) and r[1].endswith(" M"):
            out["instructions_m"][r[0].replace(",", "")] = float(r[1][:-2].replace(",", ""))
    total = find(r"^([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text)
    out["callgrind_total"] = int(total.group(1).replace(",", ""))
    out["callgrind_envs"] = int(find(r"`terraform --all` with ([\d,]+) environments", text).group(1).replace(",", ""))

    def callgrind(name, part):
        block = text.split("inclusive instructions, tapgen functions:", 1)[1 if part == "inclusive" else 0]
        m = find(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+" + re.escape(name) + r"$", block)
        return {"instructions": int(m.group(1).replace(",", "")), "percent": float(m.group(2))}

    out["callgrind_inclusive"] = {n: callgrind(n, "inclusive") for n in (
        "tapgen::stack::module_spec", "tapgen::stack::resolve", "tapgen::stack::environments",
        "tapgen::output::compare", "tapgen::output::diff_text", "tapgen::hcl::print::width")}
    out["callgrind_exclusive"] = {n: callgrind(n, "exclusive") for n in ("tapgen::hcl::print::width",)}
    out["perf_self_percent"] = {
        n: float(find(r"^([\d.]+)%\s+tapgen\s+\[\.\] " + re.escape(n) + "$", text).group(1))
        for n in ("tapgen::hcl::print::width", "tapgen::stack::module_spec")}
    # strace: run | files fsynced | time in fsync | all syscall time | fsync share
    out["strace"] = {}
    for r in rows:
        if len(r) == 5 and r[4].endswith("%") and r[0].startswith("`terraform"):
            key = "default" if "--env staging" in r[0] else "envs-100"
            out["strace"][key] = {"fsync_calls": int(r[1]), "fsync_ms": to_ms(r[2]),
                                  "syscall_ms": to_ms(r[3]), "fsync_percent": float(r[4].rstrip(" %"))}
    with open(dst, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    results = os.path.join(HERE, "results")
    main(args[0] if args else os.path.join(results, "before-fixes.md"),
         args[1] if len(args) > 1 else os.path.join(results, "before-fixes.json"))
