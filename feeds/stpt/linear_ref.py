"""Linear referencing on a shape: positions (metres along the line) of stops and AVL points.

Coordinates are projected on a local equirectangular plane around a reference latitude (the
error over a 60 km wide city region is far below GPS noise).  A shape is a polyline of
segments; a point's linear position is its nearest point's distance from the shape start.

Shapes of city lines loop at termini and run back along the same street, so the globally
nearest segment can be on the wrong pass.  Stops are therefore projected *in sequence* (each
stop at or after the previous one), and AVL points with a cost that penalises moving backwards
or jumping forwards faster than a vehicle can (:func:`project_track`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from numba import njit

F64 = npt.NDArray[np.float64]

#: Mean Earth radius, metres (IUGG).
EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LocalPlane:
    """Equirectangular projection around ``(lat0, lon0)``: x east, y north, metres."""

    lat0: float
    lon0: float

    def to_xy(self, lat: F64, lon: F64) -> tuple[F64, F64]:
        """Project degrees to local metres."""
        k = math.pi / 180.0 * EARTH_RADIUS_M
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * k * math.cos(math.radians(self.lat0))
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * k
        return x, y


@dataclass(frozen=True)
class ShapeLine:
    """A shape in the local plane: vertices, cumulative length (metres) and a shapely line."""

    x: F64
    y: F64
    cum_m: F64

    @classmethod
    def from_degrees(cls, lat: F64, lon: F64, plane: LocalPlane) -> ShapeLine:
        """Build from WGS84 vertices, dropping repeated vertices."""
        x, y = plane.to_xy(lat, lon)
        keep = np.ones(len(x), dtype=bool)
        keep[1:] = (np.diff(x) != 0) | (np.diff(y) != 0)
        x, y = x[keep], y[keep]
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
        return cls(x, y, cum)

    @property
    def length_m(self) -> float:
        """Total length, metres."""
        return float(self.cum_m[-1])

    @property
    def line(self) -> shapely.LineString:
        """The shapely LineString (for global nearest-point queries)."""
        return shapely.LineString(np.column_stack([self.x, self.y]))

    def point_at(self, s_m: F64) -> tuple[F64, F64]:
        """Local coordinates of the points at linear positions ``s_m`` (clamped to the line)."""
        s = np.clip(np.asarray(s_m, dtype=np.float64), 0.0, self.length_m)
        return np.interp(s, self.cum_m, self.x), np.interp(s, self.cum_m, self.y)

    def project_sequence(self, px: F64, py: F64, *, slack_m: float = 30.0) -> tuple[F64, F64]:
        """Project an ordered stop sequence: each stop at or after the previous one.

        Among the segments at or after the previous stop's position, the stop goes to the
        earliest one whose distance is within ``slack_m`` of the best distance there.

        Returns
        -------
        s_m, d_m
            Non-decreasing linear positions and the stops' distances to the line, metres.
        """
        return _project_sequence(self.x, self.y, self.cum_m, np.asarray(px, np.float64),
                                 np.asarray(py, np.float64), slack_m)

    def project_track(self, px: F64, py: F64, t_s: F64) -> tuple[F64, F64]:
        """Project a vehicle track (time-ordered) with a continuity cost; see the kernel."""
        return _project_track(self.x, self.y, self.cum_m, np.asarray(px, np.float64),
                              np.asarray(py, np.float64), np.asarray(t_s, np.float64))


@njit(cache=True)
def _seg_proj(x: F64, y: F64, cum: F64, px: float, py: float) -> tuple[F64, F64]:
    n = len(x) - 1
    s = np.empty(n)
    d = np.empty(n)
    for j in range(n):
        dx = x[j + 1] - x[j]
        dy = y[j + 1] - y[j]
        seg2 = dx * dx + dy * dy
        u = ((px - x[j]) * dx + (py - y[j]) * dy) / seg2
        u = min(1.0, max(0.0, u))
        qx = x[j] + u * dx
        qy = y[j] + u * dy
        d[j] = math.hypot(px - qx, py - qy)
        s[j] = cum[j] + u * math.sqrt(seg2)
    return s, d


@njit(cache=True)
def _project_sequence(x: F64, y: F64, cum: F64, px: F64, py: F64,
                      slack_m: float) -> tuple[F64, F64]:
    out_s = np.empty(len(px))
    out_d = np.empty(len(px))
    prev = 0.0
    for i in range(len(px)):
        s, d = _seg_proj(x, y, cum, px[i], py[i])
        best = np.inf
        for j in range(len(s)):
            if s[j] >= prev - 1e-6 and d[j] < best:
                best = d[j]
        chosen_s = prev
        chosen_d = best
        for j in range(len(s)):
            if s[j] >= prev - 1e-6 and d[j] <= best + slack_m:
                chosen_s = max(s[j], prev)
                chosen_d = d[j]
                break
        out_s[i] = chosen_s
        out_d[i] = chosen_d
        prev = chosen_s
    return out_s, out_d


#: Track projection cost: metres of cost per metre moved backwards along the line.
BACKWARD_COST = 0.5
#: Fastest plausible progress along the line, metres per second (108 km/h), plus a margin for
#: GPS error; progress beyond it costs ``BACKWARD_COST`` per metre too.
MAX_PROGRESS_MPS = 30.0
PROGRESS_MARGIN_M = 150.0


@njit(cache=True)
def _project_track(x: F64, y: F64, cum: F64, px: F64, py: F64,
                   t: F64) -> tuple[F64, F64]:
    out_s = np.empty(len(px))
    out_d = np.empty(len(px))
    for i in range(len(px)):
        s, d = _seg_proj(x, y, cum, px[i], py[i])
        best_j = 0
        best_c = np.inf
        for j in range(len(s)):
            c = d[j]
            if i > 0:
                ps = out_s[i - 1]
                reach = (t[i] - t[i - 1]) * MAX_PROGRESS_MPS + PROGRESS_MARGIN_M
                if s[j] < ps:
                    c += BACKWARD_COST * (ps - s[j])
                elif s[j] > ps + reach:
                    c += BACKWARD_COST * (s[j] - ps - reach)
            if c < best_c:
                best_c = c
                best_j = j
        out_s[i] = s[best_j]
        out_d[i] = d[best_j]
    return out_s, out_d


def monotone_envelope(s_m: F64) -> F64:
    """A non-decreasing version of a noisy position series (metres).

    The mean of the running maximum (forwards) and the running minimum (backwards): both are
    non-decreasing, so is their mean, and a single GPS outlier moves it by half its error only
    on the stretch it dominates.
    """
    s = np.asarray(s_m, dtype=np.float64)
    if len(s) == 0:
        return s
    fwd = np.maximum.accumulate(s)
    bwd = np.minimum.accumulate(s[::-1])[::-1]
    return 0.5 * (fwd + bwd)


def time_at_position(s_mono: F64, t_s: F64, target_m: float) -> float | None:
    """Time at which a non-decreasing position series first reaches ``target_m``.

    Linear interpolation between the two samples around the crossing; ``None`` when the
    series starts after or ends before the target.
    """
    idx = int(np.searchsorted(s_mono, target_m, side="left"))
    if idx >= len(s_mono):
        return None
    if idx == 0:
        return float(t_s[0]) if s_mono[0] == target_m else None
    s0, s1 = float(s_mono[idx - 1]), float(s_mono[idx])
    t0, t1 = float(t_s[idx - 1]), float(t_s[idx])
    if s1 <= s0:
        return t1
    return t0 + (t1 - t0) * (target_m - s0) / (s1 - s0)
