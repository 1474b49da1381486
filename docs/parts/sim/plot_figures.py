# Draws the figures of docs/parts/sim.md from the CSVs that make_figures.cpp writes.
# Run in the directory holding them: /usr/bin/python3 plot_figures.py OUTDIR
import sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

out = sys.argv[1] if len(sys.argv) > 1 else "."


def sig(name, ch):
    return np.loadtxt(f"sig_{name}_{ch}.csv", delimiter=",")


def beats(name):
    return np.genfromtxt(f"truth_{name}_beats.csv", delimiter=",", names=True, dtype=None, encoding=None)


def window(name, t0, t1, fn, title):
    fig, ax = plt.subplots(3, 1, figsize=(12, 6.5), sharex=True)
    for a, ch, label in zip(ax, ["ecg", "ppg", "resp"], ["ECG (mV)", "PPG (au)", "belt (au)"]):
        d = sig(name, ch)
        m = (d[:, 0] >= t0) & (d[:, 0] < t1)
        a.plot(d[m, 0], d[m, 1], lw=0.8)
        a.set_ylabel(label)
        a.grid(alpha=0.3)
    for b in beats(name):
        if t0 <= b["time_s"] < t1:
            ax[0].axvline(b["time_s"], color="g" if b["kind"] == "sinus" else "r", alpha=0.35, lw=1)
            ax[1].axvline(b["pulse_peak_s"], color="g" if b["kind"] == "sinus" else "r", alpha=0.35, lw=1)
    arts = np.genfromtxt(f"truth_{name}_artifacts.csv", delimiter=",", names=True, dtype=None, encoding=None, ndmin=1)
    for a_ in arts:
        if a_["end_s"] > t0 and a_["start_s"] < t1:
            for a in ax:
                a.axvspan(max(t0, a_["start_s"]), min(t1, a_["end_s"]), color="orange", alpha=0.15)
            ax[0].text(max(t0, a_["start_s"]), ax[0].get_ylim()[1] * 0.9, a_["kind"], fontsize=8)
    ax[0].set_title(title)
    ax[2].set_xlabel("time (s)")
    plt.tight_layout()
    plt.savefig(f"{out}/{fn}", dpi=80)


window("clean", 10, 20, "sim_clean.png", "Partner A at rest, artifacts off (truth: green = sinus R peak / pulse peak)")
window("busy", 0, 40, "sim_trouble.png", "Partner B with frequent trouble (red = PVC, shaded = truth artifact intervals)")

# Episode + pacer: HR, RMSSD and breathing rate over 10 minutes.
b = beats("episode")
t = b["time_s"][1:]
rr = b["rr_ms"][1:]
hr = 60000.0 / rr
br = np.genfromtxt("truth_episode_breaths.csv", delimiter=",", names=True, dtype=None, encoding=None)
onsets = np.array([x["time_s"] for x in br if x["event"] == "inhale"])
centres = np.arange(15, 600, 10.0)
rmssd = [np.sqrt(np.mean(np.diff(rr[(t >= c - 15) & (t < c + 15)]) ** 2)) for c in centres]
fig, ax = plt.subplots(3, 1, figsize=(12, 7), sharex=True)
ax[0].plot(t, hr, lw=0.6)
ax[0].set_ylabel("HR (bpm)")
ax[1].plot(centres, rmssd, "o-", ms=3)
ax[1].set_ylabel("RMSSD 30 s (ms)")
ax[2].plot(onsets[1:], 60.0 / np.diff(onsets), "o-", ms=3)
ax[2].set_ylabel("breaths/min")
ax[2].set_xlabel("time (s)")
for a in ax:
    a.axvspan(100, 280, color="red", alpha=0.1)
    a.axvspan(400, 600, color="green", alpha=0.1)
    a.grid(alpha=0.3)
ax[0].set_title("Scripted arousal (+20 bpm, red) and a 6/min pacer from 400 s (green), partner A, artifacts off")
plt.tight_layout()
plt.savefig(f"{out}/sim_episode_pacer.png", dpi=80)
