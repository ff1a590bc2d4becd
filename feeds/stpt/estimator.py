"""Estimate a timetable for the schedule-less STPT network export; write it as a GTFS zip.

Method (all times are local, seconds after the service day's midnight):

1. **Observed trips** (lines with an AVL trace).  Each vehicle's trace is cut into runs (one
   direction_id, no silence over 10 min).  A run is matched to the GTFS trip (route variant and
   direction) whose shape it follows best: the shape is projected in a local metric plane and
   the run's positions are referenced along it with a continuity cost.  The positions are made
   monotone, the stops are referenced on the same shape (in sequence), and the time at each
   stop is interpolated where the vehicle crossed the stop's linear position.  Runs covering
   less than ``min_coverage`` of the stop-to-stop length are dropped; the few stops beyond a
   kept run's ends are extrapolated at the run's mean speed (``timepoint=0``).
2. **Speeds**: the commercial speed (distance along the shape / time, dwell included) of each
   observed trip, binned by mode (GTFS route_type) and local hour of departure; the median per
   bin is the speed model (nearest hour, then all modes, as fallbacks).
3. **Headways**: vehicles seen per line in the live snapshots (maximum over the snapshots,
   shared evenly between the variants of a line) against the line's round-trip time at
   midday (both directions plus a layover at each terminus): ``round_trip / vehicles``,
   clamped to ``[min_headway_s, max_headway_s]``; lines never seen get ``default_headway_s``.
4. **Service span**: first to last observed departure over all traced lines.  Every other line
   runs from the first to the last departure at its headway; traced lines keep their observed
   trips and are completed at their headway outside the traced window.
5. One daily service over ``[service_start, service_end]``: the data (one traced Wednesday and
   two weekday snapshots) holds no weekend information, so no weekend reduction is invented.
"""

from __future__ import annotations

import logging
import math
import time
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from feeds.errors import FeedError
from feeds.report import IngestReport
from feeds.stpt.gtfs_writer import GtfsTable, format_gtfs_time, write_gtfs_zip
from feeds.stpt.linear_ref import (
    LocalPlane,
    ShapeLine,
    monotone_envelope,
    time_at_position,
)
from feeds.stpt.network import (
    StptNetwork,
    StptTrip,
    clean_route_names,
    read_lines_config,
    read_tranzy_export,
)
from feeds.stpt.traces import AvlTrace, read_avl_trace, read_vehicle_snapshot, split_runs

log = logging.getLogger("feeds.stpt")

F64 = npt.NDArray[np.float64]

#: Service dates of the bundled feed: wide enough for the demo "today" and the tests.
DEFAULT_SERVICE_START = date(2026, 1, 1)
DEFAULT_SERVICE_END = date(2027, 12, 31)
#: File name of the estimated feed inside a city bundle.
BUNDLE_GTFS_NAME = "stpt_estimated.zip"
SERVICE_ID = "STPT_DAILY_ESTIMATED"
AGENCY_URL = "https://www.stpt.ro"


@dataclass(frozen=True)
class EstimatorConfig:
    """Tuning of the estimator; defaults are the values the bundled feed was built with."""

    #: AVL positions farther than this from the matched shape are ignored, metres.
    max_point_distance_m: float = 80.0
    #: A run must cover this share of the trip's first-to-last-stop length to be kept.
    min_coverage: float = 0.7
    #: The first stop's departure is read where the vehicle is this far past it, metres
    #: (vehicles wait at termini; the crossing of the stop itself is the arrival).
    terminus_departure_offset_m: float = 30.0
    #: A run is cut where the vehicle falls this far behind its furthest point, metres, or
    #: where positions near the line are this far apart in time, seconds.
    backtrack_m: float = 200.0
    max_piece_gap_s: float = 240.0
    #: Observed trips slower or faster than this (commercial speed, m/s) are dropped.
    min_speed_mps: float = 1.5
    max_speed_mps: float = 25.0
    #: Headway bounds and the default for lines no snapshot saw, seconds.
    min_headway_s: int = 6 * 60
    max_headway_s: int = 60 * 60
    default_headway_s: int = 30 * 60
    #: Layover at each terminus in the round-trip time, seconds.
    layover_s: int = 5 * 60
    #: Hour whose speed gives the round-trip time used for headways (midday).
    headway_reference_hour: int = 12
    #: Speed when no trace at all is usable, m/s (18 km/h, a typical urban bus).
    fallback_speed_mps: float = 5.0
    #: Fallback service span when no trace is usable, seconds after midnight.
    fallback_span_s: tuple[int, int] = (5 * 3600, 23 * 3600)


@dataclass(frozen=True)
class TripTimes:
    """A generated trip: the export trip it instantiates and a time per stop (seconds)."""

    trip_id: str
    base: StptTrip
    times_s: tuple[int, ...]
    """Arrival at each stop, seconds after the service day's midnight."""
    departures_s: tuple[int, ...]
    timepoints: tuple[int, ...]
    observed: bool


@dataclass
class _Geometry:
    """Shapes in the local plane and each export trip's stop positions along its shape."""

    plane: LocalPlane
    shapes: dict[str, ShapeLine]
    stop_s: dict[str, F64] = field(default_factory=dict)


def headway_s(round_trip_s: float, n_vehicles: float, *, min_s: int = 360, max_s: int = 3600,
              default_s: int = 1800) -> int:
    """Headway of a line from its round-trip time and the vehicles running it, seconds.

    ``round_trip_s / n_vehicles`` rounded to the whole minute and clamped to
    ``[min_s, max_s]``; ``default_s`` when no vehicle was seen (``n_vehicles <= 0``).
    """
    if n_vehicles <= 0 or not math.isfinite(round_trip_s) or round_trip_s <= 0:
        return default_s
    h = round(round_trip_s / n_vehicles / 60.0) * 60
    return int(min(max(h, min_s), max_s))


class SpeedModel:
    """Median commercial speed (m/s) by mode and local hour of departure, with fallbacks."""

    def __init__(self, samples: dict[tuple[str, int], list[float]], fallback_mps: float) -> None:
        self.median: dict[tuple[str, int], float] = {
            k: float(np.median(v)) for k, v in sorted(samples.items()) if v}
        self.fallback_mps = fallback_mps
        by_hour: dict[int, list[float]] = defaultdict(list)
        for (_, hour), v in sorted(samples.items()):
            by_hour[hour].extend(v)
        self.all_modes = {h: float(np.median(v)) for h, v in by_hour.items() if v}

    @staticmethod
    def _nearest(table: dict[int, float], hour: int) -> float | None:
        if not table:
            return None
        best = min(table, key=lambda h: (min(abs(h - hour), 24 - abs(h - hour)), h))
        return table[best]

    def speed_mps(self, mode: str, hour: int) -> float:
        """Speed for ``mode`` departing at local ``hour`` (0-23, wraps past midnight)."""
        hour %= 24
        if (mode, hour) in self.median:
            return self.median[(mode, hour)]
        mode_table = {h: v for (m, h), v in self.median.items() if m == mode}
        v = self._nearest(mode_table, hour)
        if v is None:
            v = self._nearest(self.all_modes, hour)
        return v if v is not None else self.fallback_mps

    def summary(self) -> dict[str, dict[str, float]]:
        """Speeds in km/h by mode and hour, for the report."""
        out: dict[str, dict[str, float]] = defaultdict(dict)
        for (mode, hour), v in sorted(self.median.items()):
            out[mode][f"{hour:02d}"] = round(v * 3.6, 1)
        return dict(out)


def _build_geometry(net: StptNetwork, report: IngestReport) -> _Geometry:
    lats = np.array([s.lat for s in net.stops.values()])
    lons = np.array([s.lon for s in net.stops.values()])
    plane = LocalPlane(round(float(np.median(lats)), 2), round(float(np.median(lons)), 2))
    shapes = {sid: ShapeLine.from_degrees(s.lat, s.lon, plane)
              for sid, s in sorted(net.shapes.items())}
    geo = _Geometry(plane, shapes)
    far = 0
    for tid, trip in sorted(net.trips.items()):
        stops = [net.stops[s] for s in trip.stop_ids]
        px, py = plane.to_xy(np.array([s.lat for s in stops]), np.array([s.lon for s in stops]))
        s_m, d_m = shapes[trip.shape_id].project_sequence(px, py)
        geo.stop_s[tid] = s_m
        far += int(np.sum(d_m > 100.0))
    if far:
        report.warn(f"{far} stop visits lie more than 100 m from their trip's shape")
    return geo


# --------------------------------------------------------------------------- observed trips


@dataclass(frozen=True)
class _Observed:
    trip: TripTimes
    mode: str
    speed_mps: float
    departure_hour: int


def _local_seconds(t_unix: float, tz: ZoneInfo) -> tuple[date, float]:
    """Service day and seconds after its midnight; times before 03:00 belong to the day before."""
    dt = datetime.fromtimestamp(t_unix, tz)
    day = (dt - timedelta(hours=3)).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    return day, (dt - midnight).total_seconds()


def _match_run(xy: tuple[F64, F64], t: F64, candidates: list[StptTrip], geo: _Geometry,
               cfg: EstimatorConfig) -> tuple[StptTrip, F64, F64] | None:
    """The candidate trip whose shape the run follows forwards best, with its projection."""
    best: tuple[float, StptTrip, F64, F64] | None = None
    for trip in candidates:
        shape = geo.shapes[trip.shape_id]
        s, d = shape.project_track(xy[0], xy[1], t)
        near = d <= cfg.max_point_distance_m
        if near.sum() < 5:
            continue
        sn = s[near]
        k = max(1, len(sn) // 10)
        progress = float(np.median(sn[-k:]) - np.median(sn[:k]))
        score = float(near.mean()) * progress / max(shape.length_m, 1.0)
        if score > 0 and (best is None or score > best[0]):
            best = (score, trip, s, d)
    if best is None:
        return None
    return best[1], best[2], best[3]


def _forward_pieces(t: F64, s: F64, cfg: EstimatorConfig) -> list[tuple[int, int]]:
    """Cut a projected run into pieces of forward travel along the shape.

    A run may hold a stretch driven the other way (a direction_id not yet updated, a
    deadhead to a shortened terminus) or a long stop off the line; a piece ends where the
    position falls more than ``backtrack_m`` behind the piece's furthest point, or where two
    positions near the line are more than ``max_piece_gap_s`` apart.
    """
    pieces: list[tuple[int, int]] = []
    start, furthest = 0, -math.inf
    for i in range(len(s)):
        if i > start and (s[i] < furthest - cfg.backtrack_m
                          or t[i] - t[i - 1] > cfg.max_piece_gap_s):
            pieces.append((start, i))
            start, furthest = i, -math.inf
        furthest = max(furthest, float(s[i]))
    pieces.append((start, len(s)))
    return [(a, b) for a, b in pieces if b - a >= 2]


def _observed_trip(t: F64, s_near: F64, trip: StptTrip, *, vehicle: str, mode: str,
                   geo: _Geometry, cfg: EstimatorConfig, tz: ZoneInfo,
                   report: IngestReport, file: str) -> _Observed | None:
    env = monotone_envelope(s_near)
    stop_s = geo.stop_s[trip.trip_id]
    times: list[float | None] = []
    for k, sk in enumerate(stop_s):
        target = float(sk) + (cfg.terminus_departure_offset_m if k == 0 else 0.0)
        times.append(time_at_position(env, t, target))
    seen = [k for k, v in enumerate(times) if v is not None]
    span = float(stop_s[-1] - stop_s[0])
    n_pos = len(t)
    if len(seen) < 2 or span <= 0:
        report.skip(file, "trip_covers_too_little", value=f"{vehicle} {trip.trip_id}",
                    count=n_pos)
        return None
    k0, k1 = seen[0], seen[-1]
    coverage = float(stop_s[k1] - stop_s[k0]) / span
    if coverage < cfg.min_coverage:
        report.skip(file, "trip_covers_too_little", count=n_pos,
                    value=f"{vehicle} {trip.trip_id} {coverage:.0%}")
        return None
    t0, t1 = times[k0], times[k1]
    assert t0 is not None and t1 is not None
    speed = float(stop_s[k1] - stop_s[k0]) / max(t1 - t0, 1.0)
    if not cfg.min_speed_mps <= speed <= cfg.max_speed_mps:
        report.skip(file, "implausible_speed", count=n_pos,
                    value=f"{vehicle} {trip.trip_id} {speed:.1f} m/s")
        return None
    filled: list[float] = []
    timepoints: list[int] = []
    for k, v in enumerate(times):
        if v is None:
            ref_k, ref_t = (k0, t0) if k < k0 else (k1, t1)
            filled.append(ref_t + float(stop_s[k] - stop_s[ref_k]) / speed)
            timepoints.append(0)
        else:
            filled.append(v)
            timepoints.append(1)
    # Departure: where the vehicle is ``terminus_departure_offset_m`` past the stop (captures
    # dwell and layovers at termini in mid-shape); never after the next stop's arrival.
    leave: list[float] = []
    for k, v in enumerate(filled):
        dep = None
        if timepoints[k] and 0 < k < len(filled) - 1:
            dep = time_at_position(env, t, float(stop_s[k]) + cfg.terminus_departure_offset_m)
        leave.append(v if dep is None else min(max(dep, v), filled[k + 1]))
    _, dep_s = _local_seconds(filled[0], tz)
    midnight = filled[0] - dep_s
    both = np.round(np.column_stack([filled, leave]).ravel() - midnight).astype(np.int64)
    both = np.maximum.accumulate(both)
    secs, leave_secs = both[0::2], both[1::2]
    if secs[0] < 0:
        report.skip(file, "trip_before_service_day", count=n_pos,
                    value=f"{vehicle} {trip.trip_id}")
        return None
    trip_id = f"{trip.trip_id}_obs_{format_gtfs_time(int(secs[0])).replace(':', '')}_v{vehicle}"
    return _Observed(TripTimes(trip_id, trip, tuple(int(x) for x in secs),
                               tuple(int(x) for x in leave_secs), tuple(timepoints), True),
                     mode, speed, int(dep_s // 3600) % 24)


def _observe_line(trace: AvlTrace, candidates: list[StptTrip], *, mode: str, geo: _Geometry,
                  cfg: EstimatorConfig, tz: ZoneInfo, report: IngestReport, file: str,
                  direction_map: Counter[str]) -> list[_Observed]:
    out: list[_Observed] = []
    x, y = geo.plane.to_xy(trace.lat, trace.lon)
    for a, b in split_runs(trace):
        if b - a < 10:
            report.skip(file, "run_too_short", row=None, value=f"{b - a} positions", count=b - a)
            continue
        matched = _match_run((x[a:b], y[a:b]), trace.t_s[a:b], candidates, geo, cfg)
        if matched is None:
            report.skip(file, "run_not_on_any_shape", count=b - a,
                        value=trace.vehicle_ids[int(trace.vehicle[a])])
            continue
        trip, s, d = matched
        direction_map[f"{trace.route} dir {int(trace.direction[a])} -> {trip.trip_id}"] += 1
        vehicle = trace.vehicle_ids[int(trace.vehicle[a])]
        near = d <= cfg.max_point_distance_m
        t_near, s_near = trace.t_s[a:b][near], s[near]
        for p0, p1 in _forward_pieces(t_near, s_near, cfg):
            obs = _observed_trip(t_near[p0:p1], s_near[p0:p1], trip, vehicle=vehicle,
                                 mode=mode, geo=geo, cfg=cfg, tz=tz, report=report, file=file)
            if obs is not None:
                out.append(obs)
    return out


# --------------------------------------------------------------------------- estimated trips


def _estimated_times(trip: StptTrip, dep_s: int, mode: str, speeds: SpeedModel,
                     geo: _Geometry) -> tuple[int, ...]:
    v = speeds.speed_mps(mode, dep_s // 3600)
    s = geo.stop_s[trip.trip_id]
    return tuple(int(x) for x in np.round(dep_s + (s - s[0]) / v).astype(np.int64))


def _run_time_s(trip: StptTrip, mode: str, hour: int, speeds: SpeedModel,
                geo: _Geometry) -> float:
    s = geo.stop_s[trip.trip_id]
    return float(s[-1] - s[0]) / speeds.speed_mps(mode, hour)


def _vehicles_per_route(net: StptNetwork, snapshot_counts: list[Counter[str]]
                        ) -> dict[str, float]:
    """Vehicles per route_id: max over snapshots per published name, split over its variants."""
    variants: dict[str, list[str]] = defaultdict(list)
    for rid, r in sorted(net.routes.items()):
        variants[r.short_name.strip().upper()].append(rid)
    out: dict[str, float] = {}
    for name, rids in variants.items():
        n = max((c.get(name, 0) for c in snapshot_counts), default=0)
        for rid in rids:
            out[rid] = n / len(rids)
    return out


def _snapshot_counts(stpt_dir: Path, report: IngestReport) -> list[Counter[str]]:
    out = []
    for path in sorted((stpt_dir / "vehicles").glob("*.json")):
        snap = read_vehicle_snapshot(path, report)
        out.append(Counter({k.strip().upper(): v for k, v in snap.vehicles_per_route.items()}))
    return out


# --------------------------------------------------------------------------- writing


def _export_date(zip_path: Path) -> str:
    with zipfile.ZipFile(zip_path) as zf:
        newest = max((i.date_time for i in zf.infolist()), default=(1980, 1, 1, 0, 0, 0))
    return f"{newest[0]:04d}{newest[1]:02d}{newest[2]:02d}"


def _tables(net: StptNetwork, names: dict[str, str], trips: list[TripTimes], *,
            service_start: date, service_end: date, feed_version: str) -> list[GtfsTable]:
    trips = sorted(trips, key=lambda tt: tt.trip_id)
    used_stops = sorted({s for tt in trips for s in tt.base.stop_ids}, key=lambda s: (len(s), s))
    used_shapes = sorted({tt.base.shape_id for tt in trips})
    used_routes = sorted({tt.base.route_id for tt in trips}, key=lambda r: (len(r), r))
    agency_id = net.agency.get("agency_id", "").strip() or "STPT"
    agency = GtfsTable("agency.txt", ("agency_id", "agency_name", "agency_url", "agency_timezone",
                                      "agency_lang"),
                       [(agency_id, "STPT Timișoara", AGENCY_URL,
                         net.agency.get("agency_timezone", "").strip() or "Europe/Bucharest",
                         "ro")])
    stops = GtfsTable("stops.txt", ("stop_id", "stop_code", "stop_name", "stop_lat", "stop_lon",
                                    "location_type"),
                      [(s.stop_id, s.code, s.name, repr(s.lat), repr(s.lon), "0")
                       for s in (net.stops[i] for i in used_stops)])
    routes = GtfsTable("routes.txt", ("route_id", "agency_id", "route_short_name",
                                      "route_long_name", "route_desc", "route_type",
                                      "route_color"),
                       [(r.route_id, agency_id, names[r.route_id], r.long_name, r.desc,
                         str(r.route_type), r.color.upper())
                        for r in (net.routes[i] for i in used_routes)])
    trips_t = GtfsTable("trips.txt", ("route_id", "service_id", "trip_id", "trip_headsign",
                                      "direction_id", "shape_id"),
                        [(tt.base.route_id, SERVICE_ID, tt.trip_id, tt.base.headsign,
                          str(tt.base.direction_id), tt.base.shape_id) for tt in trips])
    st_rows = []
    for tt in trips:
        for k, (sid, arr, dep, tp) in enumerate(zip(tt.base.stop_ids, tt.times_s,
                                                    tt.departures_s, tt.timepoints,
                                                    strict=True)):
            st_rows.append((tt.trip_id, format_gtfs_time(arr), format_gtfs_time(dep), sid,
                            str(k), str(tp)))
    stop_times = GtfsTable("stop_times.txt", ("trip_id", "arrival_time", "departure_time",
                                              "stop_id", "stop_sequence", "timepoint"), st_rows)
    shape_rows = []
    for sid in used_shapes:
        sh = net.shapes[sid]
        for k, (la, lo) in enumerate(zip(sh.lat, sh.lon, strict=True)):
            shape_rows.append((sid, repr(float(la)), repr(float(lo)), str(k)))
    shapes = GtfsTable("shapes.txt", ("shape_id", "shape_pt_lat", "shape_pt_lon",
                                      "shape_pt_sequence"), shape_rows)
    calendar = GtfsTable("calendar.txt", ("service_id", "monday", "tuesday", "wednesday",
                                          "thursday", "friday", "saturday", "sunday",
                                          "start_date", "end_date"),
                         [(SERVICE_ID, "1", "1", "1", "1", "1", "1", "1",
                           service_start.strftime("%Y%m%d"), service_end.strftime("%Y%m%d"))])
    feed_info = GtfsTable(
        "feed_info.txt", ("feed_publisher_name", "feed_publisher_url", "feed_lang",
                          "feed_start_date", "feed_end_date", "feed_version"),
        [("ESTIMATED timetable (not official): built by the timisoara-maas project from the "
          "STPT network export (Tranzy) and STPT AVL traces", AGENCY_URL, "ro",
          service_start.strftime("%Y%m%d"), service_end.strftime("%Y%m%d"), feed_version)])
    return [agency, stops, routes, trips_t, stop_times, shapes, calendar, feed_info]


# --------------------------------------------------------------------------- entry points


def estimate_timetable(shared_stpt_dir: Path, tranzy_zip: Path, out_zip: Path, *,
                       service_start: date = DEFAULT_SERVICE_START,
                       service_end: date = DEFAULT_SERVICE_END,
                       config: EstimatorConfig | None = None) -> IngestReport:
    """Estimate a timetable for the Tranzy STPT export and write a valid GTFS zip.

    Parameters
    ----------
    shared_stpt_dir
        Folder with ``avl-traces/*.csv[.gz]``, ``vehicles/*.json`` and optionally
        ``lines-config.json`` (read only; none of it is copied to the output).
    tranzy_zip
        The Tranzy export (GTFS without times or calendar).
    out_zip
        Output GTFS zip; written deterministically (same inputs, same bytes).
    service_start, service_end
        First and last service date of the single daily service.
    config
        Estimator tuning; defaults to :class:`EstimatorConfig`.

    Returns
    -------
    IngestReport
        Rows read and skipped by reason, name changes as warnings, and in ``info``: trips and
        stop_times written, observed and estimated line counts, speeds by mode and hour (km/h),
        headways (minutes), service span and the trace-direction to GTFS-trip mapping.
    """
    t_start = time.perf_counter()
    cfg = config or EstimatorConfig()
    if service_end < service_start:
        raise FeedError(f"service_end {service_end} is before service_start {service_start}")
    report = IngestReport(source="stpt-estimator")
    net = read_tranzy_export(tranzy_zip, report)
    if not net.trips:
        raise FeedError("the export has no usable trip", file=tranzy_zip.name)
    tz = ZoneInfo(net.agency.get("agency_timezone", "").strip() or "Europe/Bucharest")
    names, changes = clean_route_names((rid, r.short_name) for rid, r in net.routes.items())
    for ch in changes:
        report.warn(ch.message())
    geo = _build_geometry(net, report)

    trips_by_name: dict[str, list[StptTrip]] = defaultdict(list)
    for trip in sorted(net.trips.values(), key=lambda t: t.trip_id):
        trips_by_name[net.routes[trip.route_id].short_name.strip().upper()].append(trip)

    observed: list[_Observed] = []
    direction_map: Counter[str] = Counter()
    traced_routes: set[str] = set()
    trace_files = sorted(p for p in (shared_stpt_dir / "avl-traces").glob("*.csv*"))
    for path in trace_files:
        for route, trace in read_avl_trace(path, report).items():
            candidates = trips_by_name.get(route.strip().upper(), [])
            if not candidates:
                report.skip(path.name, "route_not_in_network", value=route, count=len(trace))
                continue
            mode = net.routes[candidates[0].route_id].mode
            found = _observe_line(trace, candidates, mode=mode, geo=geo, cfg=cfg, tz=tz,
                                  report=report, file=path.name, direction_map=direction_map)
            observed.extend(found)
            traced_routes.update(o.trip.base.route_id for o in found)

    samples: dict[tuple[str, int], list[float]] = defaultdict(list)
    for o in observed:
        samples[(o.mode, o.departure_hour)].append(o.speed_mps)
    speeds = SpeedModel(samples, cfg.fallback_speed_mps)
    if observed:
        deps = [o.trip.times_s[0] for o in observed]
        span = (min(deps) // 60 * 60, -(-max(deps) // 60) * 60)
    else:
        span = cfg.fallback_span_s
        report.warn("no usable AVL trace: fallback speed and service span used")

    vehicles = _vehicles_per_route(net, _snapshot_counts(shared_stpt_dir, report))
    headways: dict[str, int] = {}
    by_route: dict[str, list[StptTrip]] = defaultdict(list)
    for trip in sorted(net.trips.values(), key=lambda t: t.trip_id):
        by_route[trip.route_id].append(trip)
    for rid, rtrips in sorted(by_route.items()):
        mode = net.routes[rid].mode
        rtt = sum(_run_time_s(t, mode, cfg.headway_reference_hour, speeds, geo) + cfg.layover_s
                  for t in rtrips)
        if len(rtrips) == 1:  # a one-direction route runs back empty or loops: count it twice
            rtt *= 2
        headways[rid] = headway_s(rtt, vehicles.get(rid, 0.0), min_s=cfg.min_headway_s,
                                  max_s=cfg.max_headway_s, default_s=cfg.default_headway_s)
    no_vehicles = sorted(names[r] for r in by_route if vehicles.get(r, 0.0) <= 0)
    if no_vehicles:
        report.warn(f"{len(no_vehicles)} lines seen in no vehicle snapshot get the default "
                    f"headway of {cfg.default_headway_s // 60} min: {', '.join(no_vehicles)}")

    all_trips: list[TripTimes] = [o.trip for o in observed]
    obs_deps: dict[str, list[int]] = defaultdict(list)
    for o in observed:
        obs_deps[o.trip.base.trip_id].append(o.trip.times_s[0])
    n_estimated = 0
    for rid, rtrips in sorted(by_route.items()):
        h, mode = headways[rid], net.routes[rid].mode
        for trip in rtrips:
            seen = sorted(obs_deps.get(trip.trip_id, []))
            if seen:
                before = range(seen[0] - h, span[0] - 1, -h)
                after = range(seen[-1] + h, span[1] + 1, h)
                dep_times = sorted([*before, *after])
            else:
                dep_times = list(range(span[0], span[1] + 1, h))
            for dep in dep_times:
                times = _estimated_times(trip, dep, mode, speeds, geo)
                tid = f"{trip.trip_id}_est_{format_gtfs_time(dep).replace(':', '')}"
                all_trips.append(TripTimes(tid, trip, times, times, (0,) * len(times), False))
                n_estimated += 1

    feed_version = (f"estimated-{_export_date(tranzy_zip)}-avl{len(trace_files)}"
                    f"-{service_start:%Y%m%d}-{service_end:%Y%m%d}")
    tables = _tables(net, names, all_trips, service_start=service_start,
                     service_end=service_end, feed_version=feed_version)
    write_gtfs_zip(out_zip, tables)

    lines_cfg = read_lines_config(shared_stpt_dir / "lines-config.json")
    if lines_cfg:
        known = {k.upper() for k in lines_cfg}
        missing = sorted({names[r] for r in net.routes
                          if names[r].split("/")[0].upper() not in known})
        report.info["lines_not_in_stpt_lines_config"] = missing
    n_stop_times = sum(len(t.times_s) for t in all_trips)
    report.read("generated:trips", len(all_trips))
    report.read("generated:stop_times", n_stop_times)
    report.info.update({
        "output": out_zip.name,
        "feed_version": feed_version,
        "trips": len(all_trips),
        "stop_times": n_stop_times,
        "observed_trips": len(observed),
        "estimated_trips": n_estimated,
        "observed_lines": sorted({names[r] for r in traced_routes}),
        "observed_line_count": len(traced_routes),
        "estimated_line_count": len(set(by_route) - traced_routes),
        "service_span": [format_gtfs_time(span[0]), format_gtfs_time(span[1])],
        "service_dates": [service_start.isoformat(), service_end.isoformat()],
        "speed_kmh_by_mode_hour": speeds.summary(),
        "headway_min_by_line": dict(sorted((names[r], h // 60) for r, h in headways.items())),
        "trace_direction_to_trip": dict(sorted(direction_map.items())),
        "weekend_reduction": "none: the inputs (one traced weekday, two weekday snapshots) "
                             "hold no weekend service information",
        "runtime_s": round(time.perf_counter() - t_start, 2),
    })
    log.info("estimated %d trips (%d observed) in %.1f s", len(all_trips), len(observed),
             report.info["runtime_s"])
    return report


def estimate_command(shared_data: Path, bundle: Path) -> IngestReport:
    """Regenerate ``<bundle>/gtfs/stpt_estimated.zip`` from the shared data folder.

    ``shared_data`` is the developers' data folder (``timisoara/gtfs/stpt_timisoara_tranzy_*.zip``
    and ``timisoara/stpt/``); the service dates are the bundled defaults.
    """
    city = shared_data / "timisoara"
    exports = sorted((city / "gtfs").glob("stpt_timisoara_tranzy_*.zip"))
    if not exports:
        raise FeedError("no Tranzy export found", file=str(Path("timisoara") / "gtfs"))
    return estimate_timetable(city / "stpt", exports[-1], bundle / "gtfs" / BUNDLE_GTFS_NAME,
                              service_start=DEFAULT_SERVICE_START,
                              service_end=DEFAULT_SERVICE_END)
