"""Feature: decoding VehiclePositions and Alerts, and matching them to the timetable.

Integration on the real King County Metro feeds (2021) whose trip_ids do not exist in the
paired static feed (2016): every entity must be reported unmatched, none may crash.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from google.transit import gtfs_realtime_pb2 as pb

from feeds.gtfs_rt import match_vehicle_positions, parse_feed, read_feed, resolve_alerts
from feeds.report import IngestReport
from routing.timetable import Timetable
from tests.conftest import require_shared
from tests.support.timetable_factory import TripSpec, build_timetable


def kcm_timetable(zip_path: Path) -> Timetable:
    """A timetable carrying the real trip_ids and stop_ids of ``kcm_gtfs.zip``.

    Only the ids matter here (the times are dummies): this is what trip matching looks at.
    """
    with zipfile.ZipFile(zip_path) as z:
        trips = list(csv.DictReader(io.TextIOWrapper(z.open("trips.txt"), "utf-8-sig")))
        stops = list(csv.DictReader(io.TextIOWrapper(z.open("stops.txt"), "utf-8-sig")))
    stop_ids = [s["stop_id"] for s in stops]
    specs = [TripSpec(t["route_id"], stop_ids[:2], [3600 + k, 3700 + k], name=t["trip_id"])
             for k, t in enumerate(trips)]
    return build_timetable(stops=stop_ids, trips=specs)


def test_kcm_vehicle_positions_all_unmatched() -> None:
    folder = require_shared("gtfs-rt", "king-county-metro")
    tt = kcm_timetable(folder / "kcm_gtfs.zip")
    assert tt.n_trips == 282
    expected = {"vehicle_positions_2021-09-02T15-31-56Z.pb": 627,
                "vehicle_positions_2021-09-02T16-08-30Z.pb": 570}
    for name, n_entities in expected.items():
        report = IngestReport("gtfs_rt:kcm")
        feed = read_feed(folder / name, report)
        assert report.rows_read["feed"] == n_entities
        assert feed.header.gtfs_realtime_version == "2.0"
        assert feed.trip_updates == () and feed.alerts == ()
        bad_position = report.skipped[("feed", "vehicle_without_valid_position")]
        assert len(feed.vehicle_positions) + bad_position == n_entities
        matched = match_vehicle_positions(tt, feed.vehicle_positions, report,
                                          feed_timestamp=feed.header.timestamp)
        assert matched == []
        assert report.skipped[("vehicle_positions", "trip_not_found")] == len(
            feed.vehicle_positions)
        assert report.total_skipped == n_entities
        vp = feed.vehicle_positions[0]
        assert 47 < vp.lat < 48 and -123 < vp.lon < -121
        assert vp.trip is not None and vp.trip.start_date == "20210902"


def _vehicle_feed() -> bytes:
    msg = pb.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = 1_000
    e = msg.entity.add()
    e.id = "v1"
    e.vehicle.trip.trip_id = "t1"
    e.vehicle.trip.start_date = "20181001"
    e.vehicle.position.latitude = 45.75
    e.vehicle.position.longitude = 21.22
    e.vehicle.position.speed = 8.5
    e.vehicle.position.bearing = 90
    e.vehicle.vehicle.id = "bus-7"
    e.vehicle.current_status = pb.VehiclePosition.STOPPED_AT
    e.vehicle.timestamp = 990
    e2 = msg.entity.add()
    e2.id = "v2"  # no trip
    e2.vehicle.position.latitude = 45.7
    e2.vehicle.position.longitude = 21.2
    e3 = msg.entity.add()
    e3.id = "a1"
    a = e3.alert
    p = a.active_period.add()
    p.start, p.end = 100, 200
    ie = a.informed_entity.add()
    ie.stop_id = "B"
    ie2 = a.informed_entity.add()
    ie2.route_id = "R1"
    ie3 = a.informed_entity.add()
    ie3.stop_id = "nowhere"
    a.effect = pb.Alert.DETOUR
    a.cause = pb.Alert.CONSTRUCTION
    for lang, text in (("en", "Detour"), ("ro", "Deviere")):
        tr = a.header_text.translation.add()
        tr.text, tr.language = text, lang
    tr = a.description_text.translation.add()
    tr.text = "untagged"
    e4 = msg.entity.add()
    e4.id = "empty"
    return msg.SerializeToString()


def test_vehicle_positions_and_alerts_inline() -> None:
    tt = build_timetable(stops=["A", "B"],
                         trips=[TripSpec("R1", ["A", "B"], ["08:00", "08:05"], name="t1")])
    report = IngestReport("gtfs_rt:test")
    feed = parse_feed(_vehicle_feed(), report)
    assert report.skipped[("feed", "empty_entity")] == 1
    v = {x.entity_id: x for x in feed.vehicle_positions}
    assert v["v1"].speed_mps == 8.5 and v["v1"].vehicle_id == "bus-7"
    assert v["v1"].current_status == "STOPPED_AT" and v["v1"].timestamp == 990
    assert v["v2"].trip is None and v["v2"].speed_mps is None
    matched = match_vehicle_positions(tt, feed.vehicle_positions, report)
    assert [(m.position.entity_id, m.trip, m.service_day) for m in matched] == [
        ("v1", 0, 736_968)]
    assert report.skipped[("vehicle_positions", "vehicle_without_trip")] == 1
    (alert,) = feed.alerts
    assert alert.header_text == {"en": "Detour", "ro": "Deviere"}
    assert alert.description_text == {"": "untagged"}
    assert alert.text("ro") == "Deviere" and alert.text("de") == "Detour"
    assert alert.effect == "DETOUR" and alert.cause == "CONSTRUCTION"
    assert alert.is_active(150) and not alert.is_active(201)
    (ra,) = resolve_alerts(tt, feed.alerts, report)
    assert ra.stops.tolist() == [1] and ra.routes.tolist() == [0] and ra.trips.size == 0
    assert report.skipped[("alerts", "stop_not_found")] == 1
