#!/usr/bin/env python3
"""Prints the viridis control points of Sources/AttendImage/ColorMap.swift and the reference values of
Tests/AttendImageTests/OverlayStyleTests.swift, from matplotlib, and the worst error of interpolating
linearly between the control points.

Needs matplotlib and numpy in a venv outside the repository:
    python3 -m venv /work/venv-overlay && /work/venv-overlay/bin/pip install matplotlib
    /work/venv-overlay/bin/python scripts/viridis_reference.py
"""
import matplotlib
import numpy as np

viridis = matplotlib.colormaps["viridis"]
points = 17
control = np.array([viridis(t)[:3] for t in np.linspace(0, 1, points)]) * 255
print("control points:", ", ".join("(%d, %d, %d)" % tuple(np.rint(c)) for c in control))

worst = 0.0
for t in np.linspace(0, 1, 1001):
    x = t * (points - 1)
    i = min(int(x), points - 2)
    f = x - i
    interpolated = np.rint(control[i]) * (1 - f) + np.rint(control[i + 1]) * f
    worst = max(worst, np.abs(interpolated - np.array(viridis(t)[:3]) * 255).max())
print("worst interpolation error: %.2f / 255" % worst)

for t in [0.03, 0.2, 0.33, 0.5, 0.71, 0.9, 0.97, 0.0, 1.0]:
    print(t, tuple(int(round(v * 255)) for v in viridis(t)[:3]))
