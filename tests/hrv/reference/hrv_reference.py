#!/usr/bin/env python3
"""Independent reference values for tests/hrv/test_hrv_metrics.cpp.

Run with Debian's python3-numpy and python3-scipy:
    /usr/bin/python3 tests/hrv/reference/hrv_reference.py
It prints the constants pasted into the test. The NN series is a closed-form formula (no RNG) so
the C++ test builds exactly the same input. The spectrum follows the documented method in
hrv.hpp using scipy's own implementations: natural cubic spline onto a 4 Hz grid, Welch with a
periodic Hann window, 256 s segments, 50 % overlap, linear detrend per segment, density scaling;
band power = sum of PSD * df over bins with low <= f < high.
"""
import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import welch


def nn_series(n):
    i = np.arange(n)
    return 800 + 50 * np.sin(0.7 * i) + 30 * np.sin(2.3 * i + 1) + 10 * np.sin(5.1 * i) \
        + 40 * np.sin(2 * np.pi * i / 60.0)


def time_domain(nn):
    d = np.diff(nn)
    return dict(mean_nn=nn.mean(), sdnn=nn.std(ddof=1), rmssd=np.sqrt(np.mean(d ** 2)),
                sdsd=d.std(ddof=1), pnn50=100 * np.mean(np.abs(d) > 50),
                pnn20=100 * np.mean(np.abs(d) > 20), mean_hr=np.mean(60000 / nn))


def frequency_domain(t, nn, fs=4.0):
    grid = t[0] + np.arange(int(np.floor((t[-1] - t[0]) * fs)) + 1) / fs
    x = CubicSpline(t, nn, bc_type="natural")(grid)
    nper = min(int(round(256 * fs)), len(x))
    nfft = 1 << (nper - 1).bit_length()
    f, p = welch(x, fs=fs, window="hann", nperseg=nper, noverlap=nper - int(round(nper * 0.5)),
                 nfft=nfft, detrend="linear", scaling="density")
    df = f[1] - f[0]

    def band(lo, hi):
        m = (f >= lo) & (f < hi)
        return p[m].sum() * df, f[m][np.argmax(p[m])]
    vlf, vlf_pk = band(0.0033, 0.04)
    lf, lf_pk = band(0.04, 0.15)
    hf, hf_pk = band(0.15, 0.4)
    return dict(vlf=vlf, lf=lf, hf=hf, lf_hf=lf / hf, vlf_peak=vlf_pk, lf_peak=lf_pk,
                hf_peak=hf_pk)


for n in (400, 150):
    nn = nn_series(n)
    t = np.cumsum(nn) / 1000.0
    print(f"// n = {n}")
    for k, v in time_domain(nn).items():
        print(f"//   {k} = {v:.10g}")
    for k, v in frequency_domain(t, nn).items():
        print(f"//   {k} = {v:.10g}")
