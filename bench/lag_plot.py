#!/usr/bin/env python3
"""Draws trim lag (p99 and max) against write rate, one line per mode, from
the raw output of bench/lag_vs_rate.sh (its "run" and JSON lines; nothing
is typed in).

Usage: python3 bench/lag_plot.py RAW_OUTPUT OUT.svg|OUT.png

Each point sits at the rate the run achieved. Where the watermark never
covered some records by the end (the tracker without a bound at rates
whose memtables never fill), the point is the lower bound that counts
those records at their age at the end, drawn hollow."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

MODES = [
    ("tracker", "plugin, no bound", "tab:gray"),
    ("bound", "plugin, --max-lag", "tab:blue"),
    ("watchdog", "--watchdog (forced flush)", "tab:red"),
]


def load(path):
    runs, meta = [], None
    with open(path) as f:
        for line in f:
            if line.startswith("run "):
                meta = dict(kv.split("=", 1) for kv in line.split()[1:])
            elif line.startswith("{") and meta is not None:
                j = json.loads(line)
                j["_target"] = int(meta["rate"])
                runs.append(j)
                meta = None
    return runs


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs = load(sys.argv[1])
    if not runs:
        sys.exit("no runs in " + sys.argv[1])
    fig, ax = plt.subplots(figsize=(10.5, 5.2))
    bound = next((r["max_lag_ms"] for r in runs if r["mode"] == "bound"), 0)
    for mode, label, colour in MODES:
        rs = sorted((r for r in runs if r["mode"] == mode),
                    key=lambda r: r["rate"])
        if not rs:
            continue
        if mode == "bound":
            label += " %d" % bound
        elif mode == "watchdog":
            label = "--watchdog %g (forced flush)" % rs[0]["watchdog_s"]
        x = [r["rate"] for r in rs]
        for key, style, what in (("p99", "-", "p99"), ("max", "--", "max")):
            y = [r["trim_lag_lb_ms" if r["uncovered"] else "trim_lag_ms"][key]
                 / 1000 for r in rs]
            ax.plot(x, y, style, color=colour, label="%s, %s" % (label, what))
            for xi, yi, r in zip(x, y, rs):
                ax.plot([xi], [yi], "o" if key == "p99" else "s",
                        color=colour, markersize=6,
                        markerfacecolor="white" if r["uncovered"] else colour)
    if bound:
        ax.axhline(bound / 1000, color="tab:blue", linewidth=0.8, alpha=0.5)
        ax.text(0.01, bound / 1000 * 1.04, "bound %d ms" % bound,
                transform=ax.get_yaxis_transform(),
                color="tab:blue", fontsize=8)
    flat = [r["rate"] for r in runs if r["_target"] == 0]
    if flat:
        ax.axvspan(min(flat) * 0.9, max(flat) * 1.1, color="0.92", zorder=0)
        ax.text(min(flat) * 0.92, 0.02, "flat out", fontsize=8, color="0.4",
                transform=ax.get_xaxis_transform())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("write rate achieved (records/s)")
    ax.set_ylabel("trim lag (s): append until the durable watermark covers it")
    ax.set_title("lsn-demo trim lag vs. write rate "
                 "(hollow: records never covered, a lower bound)",
                 fontsize=10)
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yticks([0.1, 0.2, 0.5, 1, 2, 5, 10])
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    fig.savefig(sys.argv[2])


if __name__ == "__main__":
    main()
