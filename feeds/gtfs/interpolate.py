"""Fill blank stop times of a trip between its timed stops, vectorised over all trips.

A stop time with only one of arrival/departure gets the other copied.  A stop time with
neither is interpolated between the previous and next timed stops of its trip, in proportion
to the distance travelled: ``shape_dist_traveled`` when the whole trip has it (non-decreasing),
else the straight-line distance between consecutive stops; evenly by stop count if both
distances are zero.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from feeds.gtfs.geo import haversine_m
from feeds.gtfs.times import BLANK_TIME

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


def fill_times(
    trip: I64, arrival_s: I32, departure_s: I32, *, shape_dist: F64, lat: F64, lon: F64
) -> tuple[I32, I32, B]:
    """Complete arrival and departure times.

    Parameters
    ----------
    trip:
        Trip code of each stop time; rows are sorted by trip, then stop sequence.
    arrival_s, departure_s:
        Times in seconds, :data:`~feeds.gtfs.times.BLANK_TIME` when blank.
    shape_dist:
        ``shape_dist_traveled`` per row (NaN when blank), any unit.
    lat, lon:
        Stop coordinates per row, degrees.

    Returns
    -------
    arrival_s, departure_s, untimed_end
        Filled times (seconds), and a per-row mask of the trips whose first or last stop
        has no time (these cannot be interpolated and must be dropped).
    """
    arr = np.where(arrival_s == BLANK_TIME, departure_s, arrival_s).astype(np.int32)
    dep = np.where(departure_s == BLANK_TIME, arr, departure_s).astype(np.int32)
    n = len(trip)
    if n == 0:
        return arr, dep, np.zeros(0, dtype=bool)
    first = np.ones(n, dtype=bool)
    first[1:] = trip[1:] != trip[:-1]
    last = np.ones(n, dtype=bool)
    last[:-1] = first[1:]
    timed = arr != BLANK_TIME
    starts = np.flatnonzero(first)
    group = np.cumsum(first) - 1
    end_ok = timed[first] & timed[last]
    untimed_end = ~end_ok[group]
    blank = ~timed & ~untimed_end
    if not blank.any():
        return arr, dep, untimed_end

    idx = np.arange(n)
    prev = np.maximum.accumulate(np.where(timed | untimed_end & first, idx, 0))
    nxt = np.minimum.accumulate(np.where(timed | untimed_end & last, idx, n - 1)[::-1])[::-1]

    dist = _trip_distance(first, group, starts, shape_dist=shape_dist, lat=lat, lon=lon)
    span = dist[nxt] - dist[prev]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(span > 0, (dist - dist[prev]) / span, (idx - prev) / (nxt - prev))
    frac = np.clip(np.nan_to_num(frac), 0.0, 1.0)
    t0 = dep[prev].astype(np.float64)
    t1 = arr[nxt].astype(np.float64)
    filled = np.rint(t0 + frac * (t1 - t0)).astype(np.int32)
    arr = np.where(blank, filled, arr).astype(np.int32)
    dep = np.where(blank, filled, dep).astype(np.int32)
    return arr, dep, untimed_end


def _trip_distance(
    first: B, group: I64, starts: I64, *, shape_dist: F64, lat: F64, lon: F64
) -> F64:
    """Distance along the trip per row: shape_dist_traveled where usable, else straight line."""
    n = len(first)
    seg = np.zeros(n)
    if n > 1:
        seg[1:] = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    seg[first] = 0.0
    cum = np.cumsum(seg)
    straight = cum - cum[starts][group]

    sd_step = np.zeros(n)
    sd_step[1:] = np.diff(shape_dist)
    sd_step[first] = 0.0
    row_ok = ~np.isnan(shape_dist) & (sd_step >= 0)
    trip_ok = np.minimum.reduceat(row_ok.astype(np.int8), starts).astype(bool)
    use_sd = trip_ok[group]
    return np.where(use_sd, np.nan_to_num(shape_dist), straight)
