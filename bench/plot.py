#!/usr/bin/env python3
"""Draws median wall time against number of environments as a hand-written SVG.

    bench/plot.py bench/results/results.json bench/results/time-vs-envs.svg

Log-log axes. tapgen series come from the `terraform --all` rows (the hollow point: fresh on
ext4 with the old output set aside instead of deleted); cdktf points from the alternating rows
(1 and 10 stacks). Dotted lines are slope-1 references (time proportional
to N) through each tapgen series' N=100 point: with a linear cost the N=1,000 point sits on
its line (a fixed start-up cost only lifts the small-N points above it); a point above the
line at N=1,000 means the cost per environment grows with N.
"""
import json
import math
import sys

W, H = 760, 500
LEFT, RIGHT, TOP, BOTTOM = 80, 210, 40, 60


def series(rows):
    def pick(pred):
        pts = sorted((r["n"], r["wall_ms"]) for r in rows if pred(r))
        return pts

    out = [
        ("tapgen, fresh output, ext4", "#d62728", "circle",
         pick(lambda r: r["id"].startswith("all-") and r["state"] == "fresh" and r["where"] == "disk")),
        ("tapgen, fresh, ext4, old output set aside", "#d62728", "ring",
         pick(lambda r: r["id"].startswith("all-") and r["id"].endswith("-aside-disk"))),
        ("tapgen, fresh output, tmpfs", "#1f77b4", "circle",
         pick(lambda r: r["id"].startswith("all-") and r["state"] == "fresh" and r["where"] == "tmpfs")),
        ("tapgen, output unchanged, ext4", "#2ca02c", "circle",
         pick(lambda r: r["id"].startswith("all-") and r["state"] == "unchanged")),
        ("cdktf node main.js (zip asset)", "#9467bd", "square",
         pick(lambda r: r.get("pair", "").startswith("node-") and r["what"] == "cdktf-archive")),
        ("cdktf node main.js (no asset)", "#8c564b", "square",
         pick(lambda r: r.get("pair", "").startswith("node-") and r["what"] == "cdktf-none")),
        ("cdktf synth (CLI)", "#ff7f0e", "square",
         pick(lambda r: r.get("pair", "").startswith("cli-") and r["what"] == "cdktf-cli")),
    ]
    return [s for s in out if s[3]]


def fmt_ms(v):
    if v >= 1000:
        return f"{v / 1000:g} s"
    return f"{v:g} ms"


def main(src, dst):
    with open(src) as f:
        data = json.load(f)
    ss = series(data["rows"])
    xs = [p[0] for s in ss for p in s[3]]
    ys = [p[1] for s in ss for p in s[3]]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    x1 = max(x1, x0 + 1)
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    y1 = max(y1, y0 + 1)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(x):
        return LEFT + (math.log10(x) - x0) / (x1 - x0) * pw

    def py(y):
        return TOP + ph - (math.log10(y) - y0) / (y1 - y0) * ph

    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
         'font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{LEFT + pw / 2}" y="22" text-anchor="middle" font-size="15">'
         'Median wall time vs. number of environments (log-log)</text>']
    # grid and ticks
    for e in range(x0, x1 + 1):
        x = px(10 ** e)
        o.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + ph}" stroke="#ddd"/>')
        o.append(f'<text x="{x:.1f}" y="{TOP + ph + 18}" text-anchor="middle">{10 ** e:g}</text>')
    for e in range(y0, y1 + 1):
        y = py(10 ** e)
        o.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + pw}" y2="{y:.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt_ms(10 ** e)}</text>')
        for m in range(2, 10):
            if e < y1:
                ym = py(m * 10 ** e)
                o.append(f'<line x1="{LEFT}" y1="{ym:.1f}" x2="{LEFT + pw}" y2="{ym:.1f}" stroke="#f3f3f3"/>')
    o.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    o.append(f'<text x="{LEFT + pw / 2}" y="{H - 18}" text-anchor="middle">environments (N)</text>')
    o.append(f'<text x="18" y="{TOP + ph / 2}" text-anchor="middle" '
             f'transform="rotate(-90 18 {TOP + ph / 2})">median wall time</text>')
    # slope-1 references through the N=100 point of each tapgen series (the last point when
    # there is none): a linear cost keeps the N=1,000 point on its line.
    for label, color, _, pts in ss:
        if not label.startswith("tapgen") or len(pts) < 2:
            continue
        n0, t0 = next(((n, t) for n, t in pts if n == 100), pts[-1])
        a, b = pts[0][0], pts[-1][0]
        ta, tb = t0 * a / n0, t0 * b / n0
        if ta < 10 ** y0:
            a, ta = n0 * 10 ** y0 / t0, 10 ** y0
        if tb > 10 ** y1:
            b, tb = n0 * 10 ** y1 / t0, 10 ** y1
        o.append(f'<line x1="{px(a):.1f}" y1="{py(ta):.1f}" x2="{px(b):.1f}" y2="{py(tb):.1f}" '
                 f'stroke="{color}" stroke-opacity="0.45" stroke-dasharray="2,4"/>')
    # series
    for label, color, shape, pts in ss:
        if len(pts) > 1:
            d = " ".join(f"{px(n):.1f},{py(t):.1f}" for n, t in pts)
            o.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"/>')
        for n, t in pts:
            if shape in ("circle", "ring"):
                fill = color if shape == "circle" else 'white" stroke-width="2" stroke="' + color
                o.append(f'<circle cx="{px(n):.1f}" cy="{py(t):.1f}" r="{4 if shape == "circle" else 5}" fill="{fill}">'
                         f'<title>{label}: N={n}, {t:.1f} ms</title></circle>')
            else:
                o.append(f'<rect x="{px(n) - 4:.1f}" y="{py(t) - 4:.1f}" width="8" height="8" fill="{color}">'
                         f'<title>{label}: N={n}, {t:.1f} ms</title></rect>')
    # legend
    lx, ly = LEFT + pw + 14, TOP + 10
    for i, (label, color, shape, _) in enumerate(ss):
        y = ly + i * 36
        if shape == "ring":
            o.append(f'<circle cx="{lx + 9}" cy="{y}" r="5" fill="white" stroke="{color}" stroke-width="2"/>')
        else:
            o.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 18}" y2="{y}" stroke="{color}" stroke-width="2"/>')
        words, line, lines = label.split(" "), "", []
        for w in words:
            if len(line) + len(w) > 24:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}".strip()
        lines.append(line)
        for j, text in enumerate(lines):
            o.append(f'<text x="{lx + 24}" y="{y + 4 + j * 14}" font-size="11">{text}</text>')
    y = ly + len(ss) * 36
    o.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 18}" y2="{y}" stroke="#888" stroke-dasharray="2,4"/>')
    o.append(f'<text x="{lx + 24}" y="{y + 4}" font-size="11">time ∝ N through N=100</text>')
    o.append("</svg>")
    with open(dst, "w") as f:
        f.write("\n".join(o) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
