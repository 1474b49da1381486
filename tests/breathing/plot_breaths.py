#!/usr/bin/python3
"""Plot detected vs reference breaths of one recording (for the README).

usage: plot_breaths.py SIGNAL.csv COLUMN FS DETECTED.csv REFERENCE.csv EXCLUDED.csv OUT.png [PANEL_S]

DETECTED.csv is `time_s,event` as written by `attune analyze --resp` (DIR/breaths.csv);
REFERENCE.csv / EXCLUDED.csv are the data collection's `<stem>_breaths.csv` / `_excluded.csv`.
Needs Debian's python3-matplotlib (run with /usr/bin/python3).
"""
import csv
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def read_signal(path, column):
    with open(path) as f:
        rows = csv.DictReader(f)
        return np.array([float(r[column]) if r[column] else np.nan for r in rows])


def read_events(path):
    with open(path) as f:
        return [(float(r["time_s"]), r["event"]) for r in csv.DictReader(f)]


def read_segments(path):
    with open(path) as f:
        return [(float(r["start_s"]), float(r["end_s"])) for r in csv.DictReader(f)]


def main():
    sig_path, column, fs, det_path, ref_path, excl_path, out = sys.argv[1:8]
    panel_s = float(sys.argv[8]) if len(sys.argv) > 8 else 75.0
    fs = float(fs)
    x = read_signal(sig_path, column)
    t = np.arange(len(x)) / fs
    detected, reference, excluded = read_events(det_path), read_events(ref_path), read_segments(excl_path)
    span = np.nanpercentile(x, 99) - np.nanpercentile(x, 1)
    panels = int(np.ceil(t[-1] / panel_s))
    fig, axes = plt.subplots(panels, 1, figsize=(14, 2.3 * panels), squeeze=False)
    for p, ax in enumerate(axes[:, 0]):
        a, b = p * panel_s, (p + 1) * panel_s
        m = (t >= a) & (t < b)
        ax.plot(t[m], x[m], color="0.35", lw=0.8, label=f"{column} (raw)")
        for s, e in excluded:
            if e > a and s < b:
                ax.axvspan(max(s, a), min(e, b), color="0.88", zorder=0)
        for events, dy, marker_in, marker_ex, name in (
                (reference, 0.10, "^", "v", "reference"), (detected, -0.10, "^", "v", "detected")):
            for kind, marker, color in (("inhale", marker_in, "tab:blue"), ("exhale", marker_ex, "tab:red")):
                ts = [e for e, k in events if k == kind and a <= e < b]
                ys = np.interp(ts, t, x) + (dy * span if name == "reference" else dy * span)
                face = color if name == "detected" else "none"
                ax.scatter(ts, ys, marker=marker, s=28, facecolors=face, edgecolors=color, lw=1.0,
                           label=f"{name} {kind}" if p == 0 else None, zorder=3)
        ax.set_xlim(a, b)
        ax.set_ylim(np.nanpercentile(x, 0.5) - 0.3 * span, np.nanpercentile(x, 99.5) + 0.3 * span)
        ax.set_ylabel(column)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("time (s)")
    axes[0, 0].legend(loc="upper right", ncol=5, fontsize=8)
    fig.suptitle("Breaths: detected (filled, below the trace) vs reference (hollow, above); "
                 "grey = excluded from scoring", fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=90)


if __name__ == "__main__":
    main()
