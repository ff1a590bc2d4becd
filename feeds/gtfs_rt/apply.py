"""Map GTFS-RT records onto a Timetable's int ids and build a :class:`RealtimeOverlay`.

Semantics of :func:`apply_trip_updates` (the GTFS-RT reference, where it leaves a choice the
choice is written here):

* A trip is found by ``trip_id`` in ``names.trip_ids``; when several timetable trips share that
  GTFS trip (an expanded ``frequencies.txt`` trip) ``start_time`` picks the run whose first
  departure equals it.  ``start_date`` picks the service day; without it the service day is the
  one (feed date or the day before, for trips past midnight) on which the trip is active and
  whose scheduled span lies closest to the feed timestamp.
* A stop time update is placed by ``stop_sequence`` when the GTFS stop_sequence of every stop
  time is known (``stop_sequences`` argument, or a ``st_stop_sequence`` array on the timetable),
  else by ``stop_id`` (the first occurrence at or after the previous update, so loops work).
* Delays propagate *downstream* from an update until the next update, never upstream: stops
  before the first update keep their scheduled times.  An arrival without departure gives the
  departure the same delay; a departure without arrival gives the arrival its delay.  When an
  event has both, the absolute ``time`` wins over ``delay``.  SKIPPED stops carry the propagated
  delay and are flagged; NO_DATA resets to the schedule until the next update.  A trip-level
  ``delay`` without stop time updates delays the whole trip.
* Realtime times are made non-decreasing along each trip by raising delays (counted in
  ``report.info["stop_times_clamped"]``).
* FULL_DATASET replaces the previous state; DIFFERENTIAL starts from ``base`` and replaces only
  the trips it mentions (noted in ``report.info["incrementality"]``).
* Problems never raise; each skipped entity is counted with a reason: ``trip_without_trip_id``,
  ``trip_not_found``, ``trip_start_time_not_found``, ``ambiguous_frequency_trip``,
  ``bad_start_date``, ``trip_not_active_on_day``, ``unsupported_schedule_relationship``,
  ``stop_not_found``, ``stop_sequence_not_found``, ``stop_sequence_unresolved``,
  ``stop_time_update_out_of_order``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from feeds.gtfs_rt.records import (
    ADDED,
    CANCELED,
    DELETED,
    DIFFERENTIAL,
    FULL_DATASET,
    NO_DATA,
    SKIPPED,
    Alert,
    RealtimeFeed,
    StopTimeEvent,
    StopTimeUpdate,
    TripDescriptor,
    TripUpdate,
    VehiclePosition,
)
from feeds.report import IngestReport
from routing.realtime import OverlayBuilder, RealtimeOverlay
from routing.timetable import Timetable

log = logging.getLogger("feeds.gtfs_rt")

TRIP_UPDATES = "trip_updates"
VEHICLE_POSITIONS = "vehicle_positions"
ALERTS = "alerts"


def service_day_start(day: int, timezone: str) -> int:
    """Unix seconds of GTFS time 00:00:00 of service day ``day`` (ISO ordinal).

    GTFS measures times from "noon minus 12 h" local time, which differs from midnight on
    daylight-saving change days.
    """
    d = date.fromordinal(day)
    noon = datetime(d.year, d.month, d.day, 12, tzinfo=ZoneInfo(timezone))
    return int(noon.timestamp()) - 43_200


def parse_hms(text: str) -> int | None:
    """``"HH:MM:SS"`` (hours may exceed 23) -> seconds, None when malformed."""
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    h, m, s = (int(p) for p in parts)
    return h * 3600 + m * 60 + s if m < 60 and s < 60 else None


def parse_start_date(text: str) -> int | None:
    """``"YYYYMMDD"`` -> ISO ordinal, None when malformed."""
    try:
        return datetime.strptime(text.strip(), "%Y%m%d").date().toordinal()
    except ValueError:
        return None


@dataclass(frozen=True)
class TripLookup:
    """Boundary maps from GTFS string ids to the timetable's int ids (built once per timetable).

    Attributes
    ----------
    trips_by_gtfs : GTFS trip_id -> timetable trips (several for expanded frequency trips).
    stop_idx : GTFS stop_id -> StopIdx.
    route_idx : GTFS route_id -> RouteIdx.
    first_dep_s, last_arr_s : scheduled first departure and last arrival of every trip (s).
    """

    trips_by_gtfs: dict[str, list[int]]
    stop_idx: dict[str, int]
    route_idx: dict[str, int]
    first_dep_s: npt.NDArray[np.int32]
    last_arr_s: npt.NDArray[np.int32]

    @classmethod
    def build(cls, tt: Timetable) -> TripLookup:
        """Index ``tt``'s names."""
        by_gtfs: dict[str, list[int]] = {}
        ids = tt.names.trip_ids
        for t, g in enumerate(tt.trip_gtfs.tolist()):
            if 0 <= g < len(ids):
                by_gtfs.setdefault(ids[g], []).append(t)
        tp = tt.trip_pattern()
        lengths = np.diff(tt.pattern_stop_start)[tp]
        k = np.arange(tt.n_trips) - tt.pattern_trip_start[tp]
        first = tt.pattern_st_start[tp] + k * lengths
        return cls(
            by_gtfs, {s: i for i, s in enumerate(tt.names.stop_ids)},
            {r: i for i, r in enumerate(tt.names.route_ids)},
            tt.departure_s[first].astype(np.int32),
            tt.arrival_s[first + lengths - 1].astype(np.int32),
        )


@dataclass(frozen=True)
class MatchedTrip:
    """A trip descriptor resolved to a timetable trip on a service day."""

    trip: int
    service_day: int


def resolve_trip(tt: Timetable, lookup: TripLookup, desc: TripDescriptor, report: IngestReport,
                 *, file: str, now: int | None, row: int | None = None) -> MatchedTrip | None:
    """Resolve a trip descriptor to ``(TripIdx, service day)``; count and return None if not."""
    if not desc.trip_id:
        report.skip(file, "trip_without_trip_id", row=row, value=desc)
        return None
    cands = lookup.trips_by_gtfs.get(desc.trip_id)
    if not cands:
        report.skip(file, "trip_not_found", row=row, value=desc.trip_id)
        return None
    if len(cands) > 1:
        if desc.start_time is None:
            report.skip(file, "ambiguous_frequency_trip", row=row, value=desc.trip_id)
            return None
        st = parse_hms(desc.start_time)
        hit = [t for t in cands if st is not None and int(lookup.first_dep_s[t]) == st]
        if not hit:
            report.skip(file, "trip_start_time_not_found", row=row,
                        value=f"{desc.trip_id} {desc.start_time}")
            return None
        cands = hit
    trip = cands[0]
    service = int(tt.trip_service[trip])
    if desc.start_date is not None:
        day = parse_start_date(desc.start_date)
        if day is None:
            report.skip(file, "bad_start_date", row=row, value=desc.start_date)
            return None
        if not tt.is_active(service, day):
            report.skip(file, "trip_not_active_on_day", row=row,
                        value=f"{desc.trip_id} {desc.start_date}")
            return None
        return MatchedTrip(trip, day)
    if now is None:
        report.skip(file, "no_start_date_and_no_timestamp", row=row, value=desc.trip_id)
        return None
    tz = tt.names.timezone
    today = datetime.fromtimestamp(now, ZoneInfo(tz)).date().toordinal()
    best: tuple[int, int] | None = None
    for day in (today, today - 1, today + 1):
        if not tt.is_active(service, day):
            continue
        t0 = service_day_start(day, tz)
        a, b = t0 + int(lookup.first_dep_s[trip]), t0 + int(lookup.last_arr_s[trip])
        gap = max(a - now, 0, now - b)
        if best is None or gap < best[0]:
            best = (gap, day)
    if best is None:
        report.skip(file, "trip_not_active_on_day", row=row, value=desc.trip_id)
        return None
    return MatchedTrip(trip, best[1])


def _event_delay(ev: StopTimeEvent | None, sched_s: int, day_start: int) -> int | None:
    if ev is None:
        return None
    if ev.time is not None:
        return int(ev.time) - (day_start + sched_s)
    return None if ev.delay is None else int(ev.delay)


def _positions(tt: Timetable, builder: OverlayBuilder, trip: int,
               stus: Sequence[StopTimeUpdate], lookup: TripLookup, *,
               seqs: npt.NDArray[np.int32] | None, report: IngestReport,
               entity: str) -> list[tuple[int, StopTimeUpdate]]:
    """Stop position of each stop time update (in trip order; bad ones counted and dropped)."""
    sl = builder.trip_slice(trip)
    p = int(np.searchsorted(tt.pattern_trip_start, trip, side="right") - 1)
    stops = tt.pattern_stops[tt.pattern_stop_start[p]:tt.pattern_stop_start[p + 1]]
    out: list[tuple[int, StopTimeUpdate]] = []
    last = -1
    for u in stus:
        pos: int | None = None
        if u.stop_sequence is not None and seqs is not None:
            hit = np.flatnonzero(seqs[sl] == u.stop_sequence)
            if hit.size == 0:
                report.skip(TRIP_UPDATES, "stop_sequence_not_found", value=entity)
                continue
            pos = int(hit[0])
        elif u.stop_id is not None:
            s = lookup.stop_idx.get(u.stop_id)
            if s is None:
                report.skip(TRIP_UPDATES, "stop_not_found", value=f"{entity} {u.stop_id}")
                continue
            hit = np.flatnonzero(stops[max(last, 0):] == s)
            if hit.size == 0:
                report.skip(TRIP_UPDATES, "stop_not_found", value=f"{entity} {u.stop_id}")
                continue
            pos = int(hit[0]) + max(last, 0)
        else:
            report.skip(TRIP_UPDATES, "stop_sequence_unresolved", value=entity)
            continue
        if pos <= last:
            report.skip(TRIP_UPDATES, "stop_time_update_out_of_order", value=entity)
            continue
        last = pos
        out.append((pos, u))
    return out


def _trip_delays(tt: Timetable, sl: slice, placed: list[tuple[int, StopTimeUpdate]],
                 day_start: int, trip_delay: int | None,
                 ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    n = sl.stop - sl.start
    arr = np.zeros(n, dtype=np.int64)
    dep = np.zeros(n, dtype=np.int64)
    skip = np.zeros(n, dtype=np.bool_)
    at = dict(placed)
    cur = int(trip_delay) if (trip_delay is not None and not placed) else 0
    for i in range(n):
        u = at.get(i)
        if u is not None:
            if u.schedule_relationship == SKIPPED:
                skip[i] = True
            elif u.schedule_relationship == NO_DATA:
                cur = 0
            else:
                a = _event_delay(u.arrival, int(tt.arrival_s[sl.start + i]), day_start)
                d = _event_delay(u.departure, int(tt.departure_s[sl.start + i]), day_start)
                a = d if a is None else a
                d = a if d is None else d
                if a is not None and d is not None:
                    arr[i], dep[i] = a, d
                    cur = d
                    continue
        arr[i] = dep[i] = cur
    return arr, dep, skip


def apply_trip_updates(
    timetable: Timetable,
    updates: Iterable[TripUpdate],
    report: IngestReport,
    *,
    feed_timestamp: int | None = None,
    incrementality: str = FULL_DATASET,
    base: RealtimeOverlay | None = None,
    version: int | None = None,
    stop_sequences: npt.NDArray[np.int32] | None = None,
    lookup: TripLookup | None = None,
) -> RealtimeOverlay:
    """Build the realtime overlay of ``updates`` over ``timetable`` (semantics: module doc).

    Parameters
    ----------
    timetable : the static timetable.
    updates : decoded TripUpdate records.
    report : receives counts of unmatched entities and clamped stop times.
    feed_timestamp : header timestamp, Unix seconds (picks service days without start_date).
    incrementality : FULL_DATASET (replace everything) or DIFFERENTIAL (start from ``base``).
    base : the current overlay, for DIFFERENTIAL updates.
    version : version of the result (default: ``base.version + 1`` or 1).
    stop_sequences : GTFS stop_sequence per stop time, to place updates by stop_sequence.
    lookup : a prebuilt :class:`TripLookup` (rebuilt when None).
    """
    tt = timetable
    lk = lookup or TripLookup.build(tt)
    seqs = stop_sequences if stop_sequences is not None else getattr(tt, "st_stop_sequence", None)
    differential = incrementality == DIFFERENTIAL
    builder = OverlayBuilder(tt, base if differential else None)
    report.info["incrementality"] = incrementality
    clamped = applied = cancelled = 0
    days: list[int] = []
    for row, tu in enumerate(updates):
        report.read(TRIP_UPDATES, 1)
        rel = tu.trip.schedule_relationship
        if rel not in {"SCHEDULED", CANCELED, DELETED}:
            report.skip(TRIP_UPDATES, "unsupported_schedule_relationship", row=row,
                        value=f"{tu.entity_id} {rel}")
            continue
        m = resolve_trip(tt, lk, tu.trip, report, file=TRIP_UPDATES, now=feed_timestamp, row=row)
        if m is None:
            continue
        days.append(m.service_day)
        if rel in {CANCELED, DELETED}:
            builder.cancel_trip(m.service_day, m.trip)
            cancelled += 1
            continue
        placed = _positions(tt, builder, m.trip, tu.stop_time_updates, lk, seqs=seqs,
                            report=report, entity=tu.entity_id)
        day_start = service_day_start(m.service_day, tt.names.timezone)
        sl = builder.trip_slice(m.trip)
        arr, dep, skip = _trip_delays(tt, sl, placed, day_start, tu.delay)
        clamped += builder.set_trip(m.service_day, m.trip, arr, dep, skip)
        applied += 1
    info = report.info
    info["trips_updated"] = info.get("trips_updated", 0) + applied
    info["trips_cancelled"] = info.get("trips_cancelled", 0) + cancelled
    info["stop_times_clamped"] = info.get("stop_times_clamped", 0) + clamped
    if clamped:
        report.warn(f"{clamped} stop times clamped to keep realtime times non-decreasing")
    primary = _primary_day(tt, days, feed_timestamp, base)
    ver = version if version is not None else (base.version + 1 if base is not None else 1)
    ts = int(feed_timestamp) if feed_timestamp is not None else 0
    overlay = builder.build(service_day=primary, version=ver, feed_timestamp=ts)
    broken = sum(len(d.fifo_broken_patterns) for d in overlay.days.values())
    if broken:
        report.warn(f"{broken} patterns lose FIFO order under realtime delays")
    log.info("trip updates: %d applied, %d cancelled, %d clamped", applied, cancelled, clamped)
    return overlay


def _primary_day(tt: Timetable, days: list[int], now: int | None,
                 base: RealtimeOverlay | None) -> int:
    if now is not None:
        return datetime.fromtimestamp(now, ZoneInfo(tt.names.timezone)).date().toordinal()
    if days:
        return max(set(days), key=days.count)
    return base.service_day if base is not None else -1


def apply_feed(timetable: Timetable, feed: RealtimeFeed, report: IngestReport, *,
               base: RealtimeOverlay | None = None,
               stop_sequences: npt.NDArray[np.int32] | None = None) -> RealtimeOverlay:
    """:func:`apply_trip_updates` with the feed header's timestamp and incrementality."""
    return apply_trip_updates(
        timetable, feed.trip_updates, report, feed_timestamp=feed.header.timestamp,
        incrementality=feed.header.incrementality, base=base, stop_sequences=stop_sequences)


@dataclass(frozen=True)
class MatchedVehicle:
    """A vehicle position whose trip was found in the timetable."""

    position: VehiclePosition
    trip: int
    service_day: int


def match_vehicle_positions(
    timetable: Timetable, positions: Iterable[VehiclePosition], report: IngestReport, *,
    feed_timestamp: int | None = None, lookup: TripLookup | None = None,
) -> list[MatchedVehicle]:
    """Resolve each position's trip descriptor; unmatched ones are counted, not raised.

    Reasons: ``vehicle_without_trip`` (no descriptor) and those of :func:`resolve_trip`.
    """
    lk = lookup or TripLookup.build(timetable)
    out: list[MatchedVehicle] = []
    for row, vp in enumerate(positions):
        report.read(VEHICLE_POSITIONS, 1)
        if vp.trip is None:
            report.skip(VEHICLE_POSITIONS, "vehicle_without_trip", row=row, value=vp.entity_id)
            continue
        if vp.trip.schedule_relationship == ADDED:
            report.skip(VEHICLE_POSITIONS, "unsupported_schedule_relationship", row=row,
                        value=vp.entity_id)
            continue
        now = vp.timestamp if vp.timestamp is not None else feed_timestamp
        m = resolve_trip(timetable, lk, vp.trip, report, file=VEHICLE_POSITIONS, now=now,
                         row=row)
        if m is not None:
            out.append(MatchedVehicle(vp, m.trip, m.service_day))
    return out


@dataclass(frozen=True)
class ResolvedAlert:
    """An alert with its informed entities as int ids (StopIdx, RouteIdx, TripIdx arrays)."""

    alert: Alert
    stops: npt.NDArray[np.int32]
    routes: npt.NDArray[np.int32]
    trips: npt.NDArray[np.int32]


def resolve_alerts(timetable: Timetable, alerts: Iterable[Alert], report: IngestReport, *,
                   lookup: TripLookup | None = None) -> list[ResolvedAlert]:
    """Map informed entities to int ids; unknown ids are counted (``stop_not_found``, ...)."""
    lk = lookup or TripLookup.build(timetable)
    out: list[ResolvedAlert] = []
    for row, a in enumerate(alerts):
        report.read(ALERTS, 1)
        stops: set[int] = set()
        routes: set[int] = set()
        trips: set[int] = set()
        for e in a.informed_entities:
            if e.stop_id is not None:
                s = lk.stop_idx.get(e.stop_id)
                if s is None:
                    report.skip(ALERTS, "stop_not_found", row=row, value=e.stop_id)
                else:
                    stops.add(s)
            if e.route_id is not None:
                r = lk.route_idx.get(e.route_id)
                if r is None:
                    report.skip(ALERTS, "route_not_found", row=row, value=e.route_id)
                else:
                    routes.add(r)
            if e.trip is not None and e.trip.trip_id is not None:
                ts = lk.trips_by_gtfs.get(e.trip.trip_id)
                if not ts:
                    report.skip(ALERTS, "trip_not_found", row=row, value=e.trip.trip_id)
                else:
                    trips.update(ts)
        out.append(ResolvedAlert(a, *(np.array(sorted(x), dtype=np.int32)
                                      for x in (stops, routes, trips))))
    return out


def day_of(ts: int, timezone: str) -> int:
    """Local calendar date (ISO ordinal) of Unix time ``ts``."""
    return (datetime.fromtimestamp(ts, ZoneInfo(timezone)).date()).toordinal()


__all__ = [
    "MatchedTrip", "MatchedVehicle", "ResolvedAlert", "TripLookup", "apply_feed",
    "apply_trip_updates", "day_of", "match_vehicle_positions", "parse_hms", "parse_start_date",
    "resolve_alerts", "resolve_trip", "service_day_start",
]
