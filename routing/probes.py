"""Vehicle probes on line shapes: projection, segment speeds, ETA, delay and bunching.

Coordinates are projected on a local equirectangular plane (x east, y north, metres) around a
reference point; over a city (< 60 km) the distortion is far below GPS noise.  A *line shape*
is a polyline; a position's *along* is the distance (m) from the shape start to its nearest
point on the shape, its *offset* the distance to that point.

Segment speeds come from consecutive fixes of one vehicle run on one shape.  The shape is cut
into fixed-length segments (``seg_len_m``, 200 m by default, or arbitrary boundaries such as
stop positions); the time a vehicle crosses a boundary is interpolated linearly between the two
fixes around it, so a segment's traversal time includes dwell at stops inside it.  Speeds are
``segment length / traversal time`` (space-mean speed when aggregated as total distance over
total time, see :mod:`routing.congestion`).

ETA: the travel-time function along a shape is the cumulative sum of segment traversal times
under a speed profile; the arrival at a stop ahead is ``now + T(stop) - T(position)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

#: Mean Earth radius, metres (IUGG).
EARTH_RADIUS_M = 6_371_008.8

#: Points are projected in blocks of this many, bounding the (points x segments) scratch.
_BLOCK = 1024


@dataclass(frozen=True)
class LocalPlane:
    """Equirectangular projection around ``(lat0, lon0)`` degrees: x east, y north, metres."""

    lat0: float
    lon0: float

    def to_xy(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[F64, F64]:
        """Project degrees to local metres."""
        k = math.pi / 180.0 * EARTH_RADIUS_M
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * k * math.cos(
            math.radians(self.lat0))
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * k
        return x, y

    def to_degrees(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[F64, F64]:
        """Inverse of :meth:`to_xy`: ``(lat, lon)`` degrees."""
        k = math.pi / 180.0 * EARTH_RADIUS_M
        lat = np.asarray(y, dtype=np.float64) / k + self.lat0
        lon = np.asarray(x, dtype=np.float64) / (k * math.cos(math.radians(self.lat0))) + self.lon0
        return lat, lon


@dataclass(frozen=True)
class LineShape:
    """A polyline in a local plane: vertices ``x``/``y`` (m) and cumulative length ``cum_m``."""

    plane: LocalPlane
    x: F64
    y: F64
    cum_m: F64

    @classmethod
    def from_degrees(cls, lat: npt.ArrayLike, lon: npt.ArrayLike,
                     plane: LocalPlane | None = None) -> LineShape:
        """Build from WGS84 vertices (repeated vertices dropped); plane defaults to the start."""
        la = np.asarray(lat, dtype=np.float64)
        lo = np.asarray(lon, dtype=np.float64)
        if la.shape != lo.shape or la.size < 2:
            raise ValueError("a shape needs at least 2 vertices with lat and lon")
        pl = plane or LocalPlane(float(la[0]), float(lo[0]))
        x, y = pl.to_xy(la, lo)
        keep = np.ones(x.size, dtype=bool)
        keep[1:] = (np.diff(x) != 0) | (np.diff(y) != 0)
        x, y = x[keep], y[keep]
        if x.size < 2:
            raise ValueError("a shape needs at least 2 distinct vertices")
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
        return cls(pl, x, y, cum)

    @property
    def length_m(self) -> float:
        """Total length, metres."""
        return float(self.cum_m[-1])

    def project(self, lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[F64, F64]:
        """Nearest point on the shape of every position: ``(along_m, offset_m)`` arrays."""
        px, py = self.plane.to_xy(lat, lon)
        px, py = np.atleast_1d(px), np.atleast_1d(py)
        ax, ay = self.x[:-1], self.y[:-1]
        dx, dy = np.diff(self.x), np.diff(self.y)
        seg_len2 = dx * dx + dy * dy
        along = np.empty(px.size)
        offset = np.empty(px.size)
        for s in range(0, px.size, _BLOCK):
            qx = px[s:s + _BLOCK, None]
            qy = py[s:s + _BLOCK, None]
            u = np.clip(((qx - ax) * dx + (qy - ay) * dy) / seg_len2, 0.0, 1.0)
            d2 = (ax + u * dx - qx) ** 2 + (ay + u * dy - qy) ** 2
            k = np.argmin(d2, axis=1)
            rows = np.arange(k.size)
            along[s:s + _BLOCK] = self.cum_m[k] + u[rows, k] * np.sqrt(seg_len2[k])
            offset[s:s + _BLOCK] = np.sqrt(d2[rows, k])
        return along, offset

    def point_at(self, along_m: npt.ArrayLike) -> tuple[F64, F64]:
        """``(lat, lon)`` of the points at distances ``along_m`` from the start."""
        a = np.clip(np.asarray(along_m, dtype=np.float64), 0.0, self.length_m)
        x = np.interp(a, self.cum_m, self.x)
        y = np.interp(a, self.cum_m, self.y)
        return self.plane.to_degrees(x, y)

    def sub_line(self, a_m: float, b_m: float) -> tuple[F64, F64]:
        """``(lat, lon)`` vertices of the part between ``a_m`` and ``b_m`` (metres)."""
        inner = (self.cum_m > a_m) & (self.cum_m < b_m)
        along = np.concatenate([[a_m], self.cum_m[inner], [b_m]])
        return self.point_at(along)


def fixed_boundaries(length_m: float, seg_len_m: float = 200.0) -> F64:
    """Boundaries ``0, L, 2L, ...`` of fixed-length segments; the last one ends the shape.

    The segment count is ``round(length / seg_len)``, so the last segment is 0.5 to 1.5
    times ``seg_len_m`` long.
    """
    if seg_len_m <= 0:
        raise ValueError(f"seg_len_m must be positive, got {seg_len_m}")
    n = max(1, round(length_m / seg_len_m))
    b = np.arange(n + 1, dtype=np.float64) * seg_len_m
    b[-1] = length_m
    return b


def split_runs(vehicle: npt.ArrayLike, t_s: npt.ArrayLike, *, key: npt.ArrayLike | None = None,
               max_gap_s: float = 300.0) -> list[tuple[int, int]]:
    """Half-open ranges of one vehicle (and one ``key``, e.g. direction) without long gaps.

    Input must be sorted by (vehicle, time).  Returns ``[(start, end), ...]``.
    """
    v = np.asarray(vehicle)
    t = np.asarray(t_s, dtype=np.float64)
    n = v.size
    if n == 0:
        return []
    cut = np.zeros(n, dtype=bool)
    cut[0] = True
    cut[1:] = (v[1:] != v[:-1]) | (np.diff(t) > max_gap_s)
    if key is not None:
        k = np.asarray(key)
        cut[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(cut)
    ends = np.append(starts[1:], n)
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def split_on_restart(along_m: F64, *, drop_m: float = 300.0) -> list[tuple[int, int]]:
    """Cut a run where the position jumps back by more than ``drop_m`` (a new trip began)."""
    n = along_m.size
    if n == 0:
        return []
    starts = [0]
    best = along_m[0]
    for i in range(1, n):
        if along_m[i] < best - drop_m:
            starts.append(i)
            best = along_m[i]
        else:
            best = max(best, along_m[i])
    ends = [*starts[1:], n]
    return list(zip(starts, ends, strict=True))


def crossing_times(along_m: F64, t_s: F64, boundaries_m: F64, *,
                   max_gap_s: float = 300.0) -> F64:
    """Time (s) the run crosses each boundary; NaN where not observed.

    ``along_m`` is made monotone (running maximum) so GPS jitter backwards is ignored.  A
    crossing is interpolated between the last fix before and the first fix at/after the
    boundary; it is NaN before the first fix, after the last, or across a gap over
    ``max_gap_s``.
    """
    a = np.maximum.accumulate(np.asarray(along_m, dtype=np.float64))
    t = np.asarray(t_s, dtype=np.float64)
    b = np.asarray(boundaries_m, dtype=np.float64)
    out = np.full(b.size, np.nan)
    if a.size < 2:
        return out
    i = np.searchsorted(a, b, side="left")
    ok = (i >= 1) & (i < a.size)
    j = i[ok]
    a0, a1, t0, t1 = a[j - 1], a[j], t[j - 1], t[j]
    frac = (b[ok] - a0) / np.where(a1 > a0, a1 - a0, 1.0)
    val = t0 + frac * (t1 - t0)
    val[(t1 - t0) > max_gap_s] = np.nan
    out[ok] = val
    # the run's first fix lying exactly on a boundary is that boundary's crossing
    out[(i == 0) & (a[0] == b)] = t[0]
    return out


@dataclass(frozen=True)
class SegmentObservations:
    """Traversals of shape segments: segment index, mid time (Unix s), time (s), speed (m/s)."""

    segment: I32
    t_mid_s: F64
    travel_s: F64
    speed_mps: F64

    @classmethod
    def concat(cls, parts: list[SegmentObservations]) -> SegmentObservations:
        """Concatenate several observation sets."""
        if not parts:
            return cls(np.zeros(0, np.int32), np.zeros(0), np.zeros(0), np.zeros(0))
        return cls(np.concatenate([p.segment for p in parts]).astype(np.int32),
                   np.concatenate([p.t_mid_s for p in parts]),
                   np.concatenate([p.travel_s for p in parts]),
                   np.concatenate([p.speed_mps for p in parts]))

    def __len__(self) -> int:
        """Number of observations."""
        return int(self.segment.size)


def segment_speeds(along_m: F64, t_s: F64, boundaries_m: F64, *, max_gap_s: float = 300.0,
                   max_speed_mps: float = 30.0, min_speed_mps: float = 0.2,
                   ) -> SegmentObservations:
    """Segment traversals of one vehicle run (fixes sorted by time, projected on one shape).

    A segment counts when both its boundaries are crossed; implausible speeds (above
    ``max_speed_mps``, 108 km/h, or under ``min_speed_mps``, a vehicle parked mid-run) are
    dropped.
    """
    ct = crossing_times(along_m, t_s, boundaries_m, max_gap_s=max_gap_s)
    enter, leave = ct[:-1], ct[1:]
    travel = leave - enter
    length = np.diff(np.asarray(boundaries_m, dtype=np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = length / travel
    ok = np.isfinite(speed) & (travel > 0) & (speed <= max_speed_mps) & (speed >= min_speed_mps)
    seg = np.flatnonzero(ok).astype(np.int32)
    return SegmentObservations(seg, (enter[ok] + leave[ok]) / 2.0, travel[ok], speed[ok])


def travel_time_profile(boundaries_m: F64, speed_mps: F64) -> F64:
    """Cumulative travel time (s) at each boundary under per-segment speeds (m/s)."""
    length = np.diff(np.asarray(boundaries_m, dtype=np.float64))
    return np.concatenate([[0.0], np.cumsum(length / np.asarray(speed_mps, dtype=np.float64))])


def eta_ahead(along_now_m: float, t_now_s: float, stop_along_m: npt.ArrayLike,
              boundaries_m: F64, speed_mps: F64) -> F64:
    """Predicted arrival times (Unix s) at stops ahead of a vehicle.

    Parameters
    ----------
    along_now_m : the vehicle's position along the shape, metres.
    t_now_s : time of that position, Unix seconds.
    stop_along_m : positions of the stops ahead, metres (stops behind get ``t_now_s``).
    boundaries_m, speed_mps : the segment speed profile (e.g. current probe speeds, falling
        back to historical ones); speeds must be positive.
    """
    cum = travel_time_profile(boundaries_m, speed_mps)
    t_here = np.interp(along_now_m, boundaries_m, cum)
    t_stop = np.interp(np.asarray(stop_along_m, dtype=np.float64), boundaries_m, cum)
    return t_now_s + np.maximum(t_stop - t_here, 0.0)


def schedule_delay(along_now_m: float, t_now_s: float, stop_along_m: npt.ArrayLike,
                   stop_sched_s: npt.ArrayLike) -> float:
    """Current delay (s, positive = late): ``t_now`` minus the scheduled time at the position.

    The scheduled time between two stops is interpolated linearly along the shape.
    """
    sa = np.asarray(stop_along_m, dtype=np.float64)
    ss = np.asarray(stop_sched_s, dtype=np.float64)
    return float(t_now_s - np.interp(along_now_m, sa, ss))


def delays_ahead(eta_s: npt.ArrayLike, stop_sched_s: npt.ArrayLike) -> F64:
    """Predicted delays (s) at the stops ahead: ETA minus scheduled time."""
    return np.asarray(eta_s, dtype=np.float64) - np.asarray(stop_sched_s, dtype=np.float64)


def headway_ratios(along_m: npt.ArrayLike, boundaries_m: F64, speed_mps: F64,
                   planned_headway_s: float) -> tuple[I64, F64]:
    """Bunching: time gap of each vehicle behind the one ahead, over the planned headway.

    Vehicles are on one shape at one instant.  The gap is the travel time (under the speed
    profile) from the follower's position to the leader's.  Returns ``(order, ratio)``:
    ``order`` sorts vehicles front to back; ``ratio[k]`` belongs to vehicle ``order[k+1]``
    (following ``order[k]``).  A ratio well under 1 (say < 0.5) means bunching, well over 1 a
    gap.
    """
    if planned_headway_s <= 0:
        raise ValueError(f"planned_headway_s must be positive, got {planned_headway_s}")
    a = np.asarray(along_m, dtype=np.float64)
    order = np.argsort(-a, kind="stable")
    cum = travel_time_profile(boundaries_m, speed_mps)
    t = np.interp(a[order], boundaries_m, cum)
    gap = t[:-1] - t[1:]
    return order.astype(np.int64), gap / planned_headway_s
