"""STPT vehicle positions -> timetable trips -> delays (a realtime overlay without GTFS-RT).

Each position is matched to a *pattern* of its line (route_short_name, case-insensitive) by
projecting it on the pattern's shape (the GTFS shape of its first trip; the polyline through
its stops when there is none) and to a *trip* of that pattern active on the service day:

* candidates are patterns within ``max_offset_m`` of the position;
* on each, the scheduled time at the position is interpolated between the stops around it,
  for every trip at once; the delay is ``now - scheduled`` (seconds, positive = late);
* the cost of a candidate is ``offset_m + |delay_s| / 10`` (+50 when the vehicle's headsign
  differs from the trip's): ten minutes of delay weigh like 60 m off the shape; a vehicle keeps
  its previous pattern and trip while they stay plausible and it does not jump backwards by
  more than 300 m (a new run), so matches do not flicker between neighbouring trips;
* matches with ``|delay| > max_delay_s`` (30 minutes) are rejected (reason ``no_trip_in_time``).

The delay is applied to every stop of the trip (a constant delay: the stops behind are then
passed at about the time they really were, the stops ahead get the delay as their ETA shift;
:mod:`bench.eta_eval` measures the error of such schedule-based ETAs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from feeds.gtfs_rt.apply import service_day_start
from feeds.report import IngestReport
from feeds.stpt_live import StptVehicle
from routing.probes import LineShape, LocalPlane
from routing.realtime import OverlayBuilder, RealtimeOverlay
from routing.timetable import Timetable

F64 = npt.NDArray[np.float64]
FILE = "stpt_vehicles"


@dataclass(frozen=True)
class PatternShape:
    """A pattern's shape and the position of each of its stops along it (metres)."""

    shape: LineShape
    stop_along_m: F64


@dataclass(frozen=True)
class VehicleMatch:
    """A vehicle matched to a trip: ``along_m`` on the pattern's shape, ``delay_s`` (late > 0)."""

    vehicle: StptVehicle
    pattern: int
    trip: int
    service_day: int
    along_m: float
    offset_m: float
    delay_s: int


@dataclass
class _Track:
    pattern: int
    trip: int
    service_day: int
    along_m: float


@dataclass
class TripMatcher:
    """Matches STPT vehicles to trips of one timetable (keeps per-vehicle continuity)."""

    tt: Timetable
    max_offset_m: float = 120.0
    max_delay_s: int = 1800
    _tracks: dict[str, _Track] = field(default_factory=dict)
    _shapes: dict[int, PatternShape | None] = field(default_factory=dict)
    _active: dict[tuple[int, int], npt.NDArray[np.bool_]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        tt = self.tt
        self.plane = LocalPlane(float(np.mean(tt.stop_lat)) if tt.n_stops else 0.0,
                                float(np.mean(tt.stop_lon)) if tt.n_stops else 0.0)
        self.patterns_by_line: dict[str, list[int]] = {}
        names = tt.names.route_short_names
        for p, r in enumerate(np.asarray(tt.pattern_route).tolist()):
            key = (names[r] if r < len(names) else "").strip().upper()
            if key:
                self.patterns_by_line.setdefault(key, []).append(p)
        self.tz = tt.names.timezone or "UTC"

    # -- geometry ---------------------------------------------------------------------------
    def pattern_shape(self, p: int) -> PatternShape | None:
        """Shape of pattern ``p`` (cached); None when it cannot be built."""
        if p in self._shapes:
            return self._shapes[p]
        tt = self.tt
        a, b = int(tt.pattern_stop_start[p]), int(tt.pattern_stop_start[p + 1])
        stops = np.asarray(tt.pattern_stops[a:b])
        slat, slon = np.asarray(tt.stop_lat)[stops], np.asarray(tt.stop_lon)[stops]
        t0 = int(tt.pattern_trip_start[p])
        sh = int(tt.trip_shape[t0]) if tt.n_trips else -1
        out: PatternShape | None = None
        try:
            if sh >= 0:
                s0, s1 = int(tt.shape_start[sh]), int(tt.shape_start[sh + 1])
                shape = LineShape.from_degrees(tt.shape_lat[s0:s1], tt.shape_lon[s0:s1],
                                               self.plane)
            else:
                shape = LineShape.from_degrees(slat, slon, self.plane)
            along, _ = shape.project(slat, slon)
            out = PatternShape(shape, np.maximum.accumulate(along))
        except ValueError:
            out = None
        self._shapes[p] = out
        return out

    def _active_trips(self, p: int, day: int) -> npt.NDArray[np.bool_]:
        key = (p, day)
        got = self._active.get(key)
        if got is None:
            tt = self.tt
            t0, t1 = int(tt.pattern_trip_start[p]), int(tt.pattern_trip_start[p + 1])
            got = np.array([tt.is_active(int(tt.trip_service[t]), day) for t in range(t0, t1)],
                           dtype=np.bool_)
            self._active[key] = got
        return got

    def _sched_at(self, p: int, along: float, ps: PatternShape) -> F64:
        """Scheduled time (s of the service day) of every trip of ``p`` at ``along`` metres."""
        tt = self.tt
        length = int(tt.pattern_stop_start[p + 1] - tt.pattern_stop_start[p])
        t0, t1 = int(tt.pattern_trip_start[p]), int(tt.pattern_trip_start[p + 1])
        st0 = int(tt.pattern_st_start[p])
        dep = np.asarray(tt.departure_s[st0:st0 + (t1 - t0) * length]).reshape(t1 - t0, length)
        arr = np.asarray(tt.arrival_s[st0:st0 + (t1 - t0) * length]).reshape(t1 - t0, length)
        sa = ps.stop_along_m
        j = int(np.clip(np.searchsorted(sa, along, side="right") - 1, 0, max(length - 2, 0)))
        if length < 2:
            return dep[:, 0].astype(np.float64)
        span = sa[j + 1] - sa[j]
        f = float(np.clip((along - sa[j]) / span, 0.0, 1.0)) if span > 0 else 0.0
        return dep[:, j] + f * (arr[:, j + 1] - dep[:, j])

    # -- matching ---------------------------------------------------------------------------
    def match(self, vehicles: Iterable[StptVehicle], report: IngestReport) -> list[VehicleMatch]:
        """Match positions (latest per vehicle wins); unmatched ones are counted by reason."""
        latest: dict[str, StptVehicle] = {}
        for v in vehicles:
            cur = latest.get(v.vehicle_id)
            if cur is None or v.timestamp_s >= cur.timestamp_s:
                latest[v.vehicle_id] = v
        out: list[VehicleMatch] = []
        for v in latest.values():
            report.read(FILE, 1)
            m = self._match_one(v, report)
            if m is not None:
                out.append(m)
                self._tracks[v.vehicle_id] = _Track(m.pattern, m.trip, m.service_day, m.along_m)
            else:
                self._tracks.pop(v.vehicle_id, None)
        return out

    def _match_one(self, v: StptVehicle, report: IngestReport) -> VehicleMatch | None:
        pats = self.patterns_by_line.get(v.route_name.strip().upper())
        if not pats:
            report.skip(FILE, "line_not_in_timetable", value=v.route_name)
            return None
        tz = ZoneInfo(self.tz)
        today = datetime.fromtimestamp(v.timestamp_s, tz).date().toordinal()
        prev = self._tracks.get(v.vehicle_id)
        best: tuple[float, VehicleMatch] | None = None
        near = False
        for p in pats:
            ps = self.pattern_shape(p)
            if ps is None:
                continue
            along_a, off_a = ps.shape.project([v.lat], [v.lon])
            along, off = float(along_a[0]), float(off_a[0])
            if off > self.max_offset_m:
                continue
            near = True
            sched = self._sched_at(p, along, ps)
            t0 = int(self.tt.pattern_trip_start[p])
            for day in (today, today - 1):
                active = self._active_trips(p, day)
                if not active.any():
                    continue
                now_s = v.timestamp_s - service_day_start(day, self.tz)
                delay = np.where(active, now_s - sched, np.inf)
                k = int(np.argmin(np.abs(delay)))
                keep = (prev is not None and prev.pattern == p and prev.service_day == day
                        and along >= prev.along_m - 300.0)
                if keep and prev is not None and abs(delay[prev.trip - t0]) <= self.max_delay_s:
                    k = prev.trip - t0
                d = float(delay[k])
                if not abs(d) <= self.max_delay_s:
                    continue
                cost = off + abs(d) / 10.0 - (40.0 if keep else 0.0)
                g = int(self.tt.trip_gtfs[t0 + k])
                heads = self.tt.names.trip_headsigns
                if v.headsign and g < len(heads) and heads[g].strip().casefold() != (
                        v.headsign.strip().casefold()):
                    cost += 50.0
                if best is None or cost < best[0]:
                    best = (cost, VehicleMatch(v, p, t0 + k, day, along, off, round(d)))
        if best is None:
            report.skip(FILE, "no_trip_in_time" if near else "off_line_shape",
                        value=f"{v.vehicle_id} line {v.route_name}")
            return None
        return best[1]


def overlay_from_matches(tt: Timetable, matches: Iterable[VehicleMatch], *, version: int,
                         feed_timestamp: int) -> RealtimeOverlay:
    """A FULL_DATASET overlay: each matched trip delayed by its vehicle's delay at every stop."""
    builder = OverlayBuilder(tt)
    days: list[int] = []
    for m in matches:
        sl = builder.trip_slice(m.trip)
        n = sl.stop - sl.start
        d = np.full(n, m.delay_s, dtype=np.int64)
        builder.set_trip(m.service_day, m.trip, d, d, np.zeros(n, dtype=np.bool_))
        days.append(m.service_day)
    primary = max(set(days), key=days.count) if days else -1
    return builder.build(service_day=primary, version=version, feed_timestamp=feed_timestamp)


__all__ = ["PatternShape", "TripMatcher", "VehicleMatch", "overlay_from_matches"]
