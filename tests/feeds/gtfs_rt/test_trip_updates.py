"""Feature: GTFS-RT TripUpdates -> RealtimeOverlay (delays, cancellations, skipped stops).

Small FeedMessages are built with gtfs-realtime-bindings; the effect on journeys is checked
with a reference connection scan over (timetable + overlay) written here in plain Python, and
each expected arrival is also worked out by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from google.transit import gtfs_realtime_pb2 as pb

from feeds.errors import FeedError
from feeds.gtfs_rt import apply_feed, parse_feed
from feeds.gtfs_rt.apply import service_day_start
from feeds.report import IngestReport
from routing.realtime import RealtimeOverlay
from routing.timetable import Timetable
from tests.support.timetable_factory import DAY, TripSpec, build_timetable, hms

STOPS = ["A", "B", "C", "D"]


def network() -> Timetable:
    """R1 t1 08:00..08:15 and t2 08:10..08:25 over A-B-C-D; R2 t3 B 08:07 -> D 08:30.

    ``f1``/``f2`` share one GTFS trip_id ``F`` (like an expanded frequency trip) on R3 C->D.
    """
    return build_timetable(
        stops=STOPS,
        trips=[
            TripSpec("R1", STOPS, ["08:00", "08:05", "08:10", "08:15"], name="t1"),
            TripSpec("R1", STOPS, ["08:10", "08:15", "08:20", "08:25"], name="t2"),
            TripSpec("R2", ["B", "D"], ["08:07", "08:30"], name="t3"),
            TripSpec("R3", ["C", "D"], ["09:00", "09:10"], name="F"),
            TripSpec("R3", ["C", "D"], ["09:30", "09:40"], name="F"),
        ],
    )


def earliest_arrival(tt: Timetable, overlay: RealtimeOverlay, day: int, origin: str,
                     target: str, t0: int) -> int | None:
    """Reference connection scan (no transfer slack) over realtime times of ``day``."""
    rt = overlay.day(day)
    arr, dep = overlay.realtime_times(tt, day)
    conns: list[tuple[int, int, int, int, int, int, int]] = []
    tp = tt.trip_pattern()
    for t in range(tt.n_trips):
        if rt.trip_cancelled[t] or not tt.is_active(int(tt.trip_service[t]), day):
            continue
        p = int(tp[t])
        stops = tt.pattern_stops[tt.pattern_stop_start[p]:tt.pattern_stop_start[p + 1]]
        for i in range(len(stops) - 1):
            a, b = tt.stop_time_index(t, i), tt.stop_time_index(t, i + 1)
            conns.append((int(dep[a]), int(arr[b]), t, int(stops[i]), int(stops[i + 1]), a, b))
    conns.sort()
    inf = 1 << 30
    label = [inf] * tt.n_stops
    label[STOPS.index(origin)] = t0
    on_trip: set[int] = set()
    for d, a, t, u, v, sa, sb in conns:
        if t in on_trip or (not rt.skipped[sa] and tt.pickup_type[sa] != 1 and d >= label[u]):
            on_trip.add(t)
            if not rt.skipped[sb] and a < label[v]:
                label[v] = a
    res = label[STOPS.index(target)]
    return None if res == inf else res


def feed_bytes(entities: list[dict[str, Any]], *, timestamp: int | None = None,
               differential: bool = False) -> bytes:
    """A FeedMessage with TripUpdate entities described as small dicts."""
    msg = pb.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    if differential:
        msg.header.incrementality = pb.FeedHeader.DIFFERENTIAL
    if timestamp is not None:
        msg.header.timestamp = timestamp
    for k, e in enumerate(entities):
        ent = msg.entity.add()
        ent.id = f"e{k}"
        tu = ent.trip_update
        tu.trip.trip_id = e["trip"]
        if "start_date" in e:
            tu.trip.start_date = e["start_date"]
        if "start_time" in e:
            tu.trip.start_time = e["start_time"]
        if e.get("cancel"):
            tu.trip.schedule_relationship = pb.TripDescriptor.CANCELED
        if "delay" in e:
            tu.delay = e["delay"]
        for s in e.get("stops", []):
            u = tu.stop_time_update.add()
            if "stop_id" in s:
                u.stop_id = s["stop_id"]
            if "seq" in s:
                u.stop_sequence = s["seq"]
            if "arr_delay" in s:
                u.arrival.delay = s["arr_delay"]
            if "arr_time" in s:
                u.arrival.time = s["arr_time"]
            if "dep_delay" in s:
                u.departure.delay = s["dep_delay"]
            if s.get("skip"):
                u.schedule_relationship = pb.TripUpdate.StopTimeUpdate.SKIPPED
            if s.get("no_data"):
                u.schedule_relationship = pb.TripUpdate.StopTimeUpdate.NO_DATA
    return msg.SerializeToString()


START = "20181001"  # DAY as YYYYMMDD


def overlay_of(tt: Timetable, entities: list[dict[str, Any]], **kw: Any,
               ) -> tuple[RealtimeOverlay, IngestReport]:
    report = IngestReport("gtfs_rt:test")
    feed = parse_feed(feed_bytes(entities, **kw), report)
    return apply_feed(tt, feed, report), report


def trip_of(tt: Timetable, name: str) -> int:
    return next(t for t in range(tt.n_trips) if tt.names.trip_ids[tt.trip_gtfs[t]] == name)


def rt_arrivals(tt: Timetable, ov: RealtimeOverlay, name: str, day: int = DAY) -> list[int]:
    t = trip_of(tt, name)
    arr, _ = ov.realtime_times(tt, day)
    p = int(tt.trip_pattern()[t])
    n = int(tt.pattern_stop_start[p + 1] - tt.pattern_stop_start[p])
    return [int(arr[tt.stop_time_index(t, i)]) for i in range(n)]


def test_static_reference() -> None:
    tt = network()
    ov = RealtimeOverlay.empty(tt)
    assert earliest_arrival(tt, ov, DAY, "A", "D", hms("08:00")) == hms("08:15")
    assert ov.arrival_delay_s.shape == (tt.n_stop_times,)
    assert ov.trip_cancelled.shape == (tt.n_trips,)


def test_delay_propagates_downstream_not_upstream() -> None:
    tt = network()
    ov, rep = overlay_of(tt, [{"trip": "t1", "start_date": START,
                               "stops": [{"stop_id": "B", "arr_delay": 300}]}])
    assert rep.total_skipped == 0
    assert rt_arrivals(tt, ov, "t1") == [hms(x) for x in ("08:00", "08:10", "08:15", "08:20")]
    assert earliest_arrival(tt, ov, DAY, "A", "D", hms("08:00")) == hms("08:20")
    assert ov.version == 1
    assert list(ov.days) == [DAY]


def test_big_delay_makes_next_trip_better() -> None:
    tt = network()
    ov, _ = overlay_of(tt, [{"trip": "t1", "start_date": START,
                             "stops": [{"stop_id": "B", "arr_delay": 900}]}])
    assert earliest_arrival(tt, ov, DAY, "A", "D", hms("08:00")) == hms("08:25")
    # FIFO lost in R1's pattern: t1 now runs after t2.
    assert ov.day(DAY).fifo_broken_patterns.size == 1


def test_cancellation() -> None:
    tt = network()
    ov, rep = overlay_of(tt, [{"trip": "t1", "start_date": START, "cancel": True}])
    assert ov.trip_cancelled[trip_of(tt, "t1")]
    assert rep.info["trips_cancelled"] == 1
    assert earliest_arrival(tt, ov, DAY, "A", "D", hms("08:00")) == hms("08:25")


def test_skipped_stop() -> None:
    tt = network()
    ov, _ = overlay_of(tt, [{"trip": "t1", "start_date": START,
                             "stops": [{"stop_id": "C", "skip": True}]}])
    assert earliest_arrival(tt, ov, DAY, "A", "C", hms("08:00")) == hms("08:20")
    # D is still served by t1 (skipping C does not end the trip)
    assert earliest_arrival(tt, ov, DAY, "A", "D", hms("08:00")) == hms("08:15")
    ov2, _ = overlay_of(tt, [{"trip": "t1", "start_date": START,
                              "stops": [{"stop_id": "D", "skip": True}]}])
    assert earliest_arrival(tt, ov2, DAY, "A", "D", hms("08:00")) == hms("08:25")


def test_skipped_stop_carries_propagated_delay() -> None:
    tt = network()
    ov, _ = overlay_of(tt, [{"trip": "t1", "start_date": START, "stops": [
        {"stop_id": "B", "arr_delay": 120}, {"stop_id": "C", "skip": True}]}])
    assert rt_arrivals(tt, ov, "t1")[2:] == [hms("08:12"), hms("08:17")]


def test_absolute_time_and_no_data() -> None:
    tt = network()
    t0 = service_day_start(DAY, "UTC")
    ov, _ = overlay_of(tt, [{"trip": "t2", "start_date": START, "stops": [
        {"stop_id": "B", "arr_time": t0 + hms("08:16")}, {"stop_id": "C", "no_data": True}]}])
    assert rt_arrivals(tt, ov, "t2") == [hms(x) for x in ("08:10", "08:16", "08:20", "08:25")]


def test_clamped_to_non_decreasing() -> None:
    tt = network()
    ov, rep = overlay_of(tt, [{"trip": "t1", "start_date": START, "stops": [
        {"stop_id": "B", "arr_delay": 600}, {"stop_id": "C", "arr_delay": -600}]}])
    arr = rt_arrivals(tt, ov, "t1")
    # C's -600 s (08:00) and its propagation to D (08:05) are raised to B's 08:15 departure
    assert arr == [hms("08:00"), hms("08:15"), hms("08:15"), hms("08:15")]
    assert rep.info["stop_times_clamped"] == 2


def test_stop_sequence_with_known_sequences() -> None:
    tt = network()
    seqs = np.zeros(tt.n_stop_times, dtype=np.int32)
    for t in range(tt.n_trips):
        p = int(tt.trip_pattern()[t])
        for i in range(int(tt.pattern_stop_start[p + 1] - tt.pattern_stop_start[p])):
            seqs[tt.stop_time_index(t, i)] = 10 * (i + 1)
    report = IngestReport("gtfs_rt:test")
    feed = parse_feed(feed_bytes([{"trip": "t1", "start_date": START,
                                   "stops": [{"seq": 30, "arr_delay": 60}]}]), report)
    ov = apply_feed(tt, feed, report, stop_sequences=seqs)
    assert rt_arrivals(tt, ov, "t1")[2:] == [hms("08:11"), hms("08:16")]
    # without the sequences the update cannot be placed: counted, not raised
    report2 = IngestReport("gtfs_rt:test")
    ov2 = apply_feed(tt, feed, report2)
    assert report2.skipped[("trip_updates", "stop_sequence_unresolved")] == 1
    assert rt_arrivals(tt, ov2, "t1")[2] == hms("08:10")


def test_frequency_trip_matched_by_start_time() -> None:
    tt = network()
    ov, rep = overlay_of(tt, [
        {"trip": "F", "start_date": START, "start_time": "09:30:00", "delay": 120},
        {"trip": "F", "start_date": START, "start_time": "09:45:00", "delay": 60},
        {"trip": "F", "start_date": START, "delay": 60},
    ])
    arr, _ = ov.realtime_times(tt, DAY)
    f = [t for t in range(tt.n_trips) if tt.names.trip_ids[tt.trip_gtfs[t]] == "F"]
    late = [int(arr[tt.stop_time_index(t, 1)]) for t in f]
    assert sorted(late) == [hms("09:10"), hms("09:42")]
    assert rep.skipped[("trip_updates", "trip_start_time_not_found")] == 1
    assert rep.skipped[("trip_updates", "ambiguous_frequency_trip")] == 1


def test_unmatched_entities_are_counted() -> None:
    tt = network()
    ov, rep = overlay_of(tt, [
        {"trip": "nope", "start_date": START, "delay": 60},
        {"trip": "t1", "start_date": START, "stops": [{"stop_id": "ZZ", "arr_delay": 60}]},
        {"trip": "t1", "start_date": "2018-10-01", "delay": 60},
        {"trip": "t2", "start_date": "20300101", "delay": 60},
    ])
    assert rep.skipped[("trip_updates", "trip_not_found")] == 1
    assert rep.skipped[("trip_updates", "stop_not_found")] == 1
    assert rep.skipped[("trip_updates", "bad_start_date")] == 1
    assert rep.skipped[("trip_updates", "trip_not_active_on_day")] == 1
    assert ov.days == {}


def test_start_date_picks_service_day_and_timestamp_fallback() -> None:
    tt = network()
    ov, _ = overlay_of(tt, [{"trip": "t1", "start_date": "20181002", "delay": 60}])
    assert list(ov.days) == [DAY + 1]
    assert earliest_arrival(tt, ov, DAY, "A", "D", hms("08:00")) == hms("08:15")
    assert earliest_arrival(tt, ov, DAY + 1, "A", "D", hms("08:00")) == hms("08:16")
    # no start_date: the feed timestamp (08:03 on DAY+2) picks the day
    ts = service_day_start(DAY + 2, "UTC") + hms("08:03")
    ov2, _ = overlay_of(tt, [{"trip": "t1", "delay": 60}], timestamp=ts)
    assert list(ov2.days) == [DAY + 2]
    assert ov2.service_day == DAY + 2 and ov2.feed_timestamp == ts


def test_full_dataset_replaces_differential_merges() -> None:
    tt = network()
    first, _ = overlay_of(tt, [{"trip": "t1", "start_date": START, "delay": 60}])
    report = IngestReport("gtfs_rt:test")
    diff = parse_feed(feed_bytes([{"trip": "t2", "start_date": START, "delay": 120}],
                                 differential=True), report)
    merged = apply_feed(tt, diff, report, base=first)
    assert rt_arrivals(tt, merged, "t1")[-1] == hms("08:16")
    assert rt_arrivals(tt, merged, "t2")[-1] == hms("08:27")
    assert merged.version == 2
    assert report.info["incrementality"] == "DIFFERENTIAL"
    full = parse_feed(feed_bytes([{"trip": "t2", "start_date": START, "delay": 120}]), report)
    replaced = apply_feed(tt, full, report, base=first)
    assert rt_arrivals(tt, replaced, "t1")[-1] == hms("08:15")
    # the base overlay itself is untouched (overlays are immutable)
    assert rt_arrivals(tt, first, "t2")[-1] == hms("08:25")
    assert not first.arrival_delay_s.flags.writeable


def test_not_a_feed_raises() -> None:
    with pytest.raises(FeedError):
        parse_feed(b"\xff\xff\xff garbage", IngestReport("gtfs_rt:test"))
