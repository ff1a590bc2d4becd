"""Place the stops of a trip on its shape: the nearest shape point to each stop, monotone
along the trip (dynamic programming over (stop, point), so loops and revisits resolve right)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Above this many (stop, point) cells the exact DP gives way to a greedy forward scan.
MAX_DP_CELLS = 20_000_000


def stop_positions(stop_lat: F64, stop_lon: F64, shape_lat: F64, shape_lon: F64) -> I64:
    """Index of the shape point matched to each stop, non-decreasing along the stops.

    Minimises the sum of squared (equirectangular) stop-to-point distances subject to the
    indices being non-decreasing.

    Parameters
    ----------
    stop_lat, stop_lon:
        Stops in trip order, degrees.
    shape_lat, shape_lon:
        Shape points in sequence order, degrees (at least one).
    """
    n_stops, n_pts = len(stop_lat), len(shape_lat)
    coslat = np.cos(np.radians(float(np.mean(shape_lat))))
    dx = (stop_lon[:, None] - shape_lon[None, :]) * coslat if n_stops * n_pts <= MAX_DP_CELLS \
        else None
    if dx is None:
        return _greedy(stop_lat, stop_lon, shape_lat, shape_lon, coslat)
    cost = dx**2 + (stop_lat[:, None] - shape_lat[None, :]) ** 2
    back = np.zeros((n_stops, n_pts), dtype=np.int32)
    idx = np.arange(n_pts, dtype=np.int32)
    acc = cost[0]
    for i in range(1, n_stops):
        pref = np.minimum.accumulate(acc)
        back[i] = np.maximum.accumulate(np.where(acc == pref, idx, 0))
        acc = cost[i] + pref
    pos = np.zeros(n_stops, dtype=np.int64)
    pos[-1] = int(np.argmin(acc))
    for i in range(n_stops - 1, 0, -1):
        pos[i - 1] = back[i, pos[i]]
    return pos


def _greedy(stop_lat: F64, stop_lon: F64, shape_lat: F64, shape_lon: F64, coslat: float) -> I64:
    """Nearest point at or after the previous stop's point (for huge shapes)."""
    pos = np.zeros(len(stop_lat), dtype=np.int64)
    start = 0
    for i in range(len(stop_lat)):
        dx = (shape_lon[start:] - stop_lon[i]) * coslat
        d = dx**2 + (shape_lat[start:] - stop_lat[i]) ** 2
        start += int(np.argmin(d))
        pos[i] = start
    return pos
