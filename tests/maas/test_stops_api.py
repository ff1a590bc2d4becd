"""``/v1/stops`` and ``/v1/stops/{id}/departures`` on a small inline city with hand-checked
answers (accents, a station with a platform, pickup_type 1, a trip past midnight)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from feeds.bundle import build_snapshot
from maas.services.departures import DeparturesService
from maas.services.stops import fold
from routing.realtime import OverlayBuilder
from routing.snapshot import current_version, load_snapshot
from tests.maas.conftest import make_bundle, serve

#: Station S (platform P1), stops P2 and P3 on a line; 800 m between P1 and P2.
#: T1 08:00 P1->P2->P3; T2 runs past midnight (24:10 at P1); T3 ends at P1 (no departure
#: there); T4 does not pick up at P1 (pickup_type 1).
GTFS = """
# agency.txt
agency_id,agency_name,agency_url,agency_timezone
AG,Test,https://example.org,Europe/Bucharest
# stops.txt
stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding
S,Piața Victoriei,45.7500,21.2000,1,,1
P1,Piața Victoriei - peron 1,45.7500,21.2001,0,S,1
P2,Ştefan cel Mare,45.7572,21.2001,0,,2
P3,Gara de Nord,45.7644,21.2001,0,,0
# routes.txt
route_id,agency_id,route_short_name,route_long_name,route_type
R1,AG,1,Victoriei - Gara,0
R2,AG,E2,Gara - Victoriei,3
# calendar.txt
service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,1,1,1,1,1,1,1,20260101,20271231
# trips.txt
route_id,service_id,trip_id,trip_headsign
R1,WK,T1,Gara de Nord
R1,WK,T2,Gara de Nord
R2,WK,T3,Piața Victoriei
R1,WK,T4,Gara de Nord
# stop_times.txt
trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type
T1,08:00:00,08:00:00,P1,1,0
T1,08:05:00,08:05:00,P2,2,0
T1,08:10:00,08:10:00,P3,3,0
T2,24:10:00,24:10:00,P1,1,0
T2,24:15:00,24:15:00,P2,2,0
T2,24:20:00,24:20:00,P3,3,0
T3,08:01:00,08:01:00,P3,1,0
T3,08:06:00,08:06:00,P2,2,0
T3,08:11:00,08:11:00,P1,3,0
T4,08:02:00,08:02:00,P1,1,1
T4,08:07:00,08:07:00,P2,2,0
T4,08:12:00,08:12:00,P3,3,0
"""


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stops")
    build_snapshot(make_bundle(root, GTFS, name="stops"), root / "snap")
    return root / "snap"


@pytest.fixture(scope="module")
def client(snap: Path) -> Iterator[TestClient]:
    yield from serve(snap)


def test_fold_removes_accents_case_and_punctuation() -> None:
    assert fold("Piața Ştefan-cel-Mare (Operă)") == "piata stefan cel mare opera"


def test_name_prefix_is_accent_and_case_insensitive(client: TestClient) -> None:
    body = client.get("/v1/stops", params={"q": "PIATA"}).json()
    assert [s["stop_id"] for s in body["stops"]] == ["S", "P1"]
    assert [s["stop_id"] for s in client.get("/v1/stops?q=stef").json()["stops"]] == ["P2"]
    # a later word of the name matches too, after whole-name matches
    assert [s["stop_id"] for s in client.get("/v1/stops?q=nord").json()["stops"]] == ["P3"]
    assert client.get("/v1/stops?q=zzz").json()["stops"] == []


def test_stop_fields(client: TestClient) -> None:
    body = client.get("/v1/stops", params={"near": "45.7572,21.2001", "radius_m": 2000}).json()
    stops = {s["stop_id"]: s for s in body["stops"]}
    assert stops["P1"]["parent_station"] == "S"
    assert stops["P1"]["routes"] == ["1", "E2"]
    assert stops["P1"]["wheelchair_boarding"] == 1
    assert stops["P2"]["wheelchair_boarding"] == 2
    assert stops["S"]["parent_station"] is None


def test_near_sorted_by_distance_within_radius(client: TestClient) -> None:
    body = client.get("/v1/stops", params={"near": "45.7572,21.2001", "radius_m": 900}).json()
    ids = [s["stop_id"] for s in body["stops"]]
    d = [s["distance_m"] for s in body["stops"]]
    assert ids[0] == "P2" and d[0] == pytest.approx(0, abs=0.1)
    assert set(ids) == {"P2", "P1", "P3", "S"}
    assert d == sorted(d) and all(x <= 900 for x in d)
    # 800 m to P1/P3: a 700 m radius keeps only P2
    small = client.get("/v1/stops", params={"near": "45.7572,21.2001", "radius_m": 700})
    assert [s["stop_id"] for s in small.json()["stops"]] == ["P2"]
    one = client.get("/v1/stops", params={"near": "45.7572,21.2001", "radius_m": 900, "limit": 1})
    assert len(one.json()["stops"]) == 1


@pytest.mark.parametrize("query", ["", "?near=abc", "?near=95,10", "?q=a&limit=0",
                                   "?near=45.75,21.2&radius_m=100000", "?q=%20%20"])
def test_bad_queries_are_problems(client: TestClient, query: str) -> None:
    r = client.get("/v1/stops" + query)
    assert r.status_code in (400, 422)
    assert r.headers["content-type"].startswith("application/problem+json")


def test_departures_rules(client: TestClient) -> None:
    r = client.get("/v1/stops/P1/departures",
                   params={"time": "2026-03-10T07:55", "window_s": 16 * 3600 + 20 * 60})
    assert r.status_code == 200
    deps = r.json()["departures"]
    # T4 (pickup_type 1) and T3 (ends at P1) are not departures; T2 leaves at 00:10 next day
    assert [d["trip_id"] for d in deps] == ["T1", "T2"]
    t1 = deps[0]
    assert t1["scheduled_time"] == "2026-03-10T08:00:00+02:00"
    assert t1["route_short_name"] == "1" and t1["headsign"] == "Gara de Nord"
    assert t1["realtime_time"] is None and t1["delay_s"] is None and not t1["cancelled"]


def test_departures_after_midnight_belong_to_previous_service_day(client: TestClient) -> None:
    deps = client.get("/v1/stops/P1/departures",
                      params={"time": "2026-03-11T00:05", "window_s": 600}).json()["departures"]
    assert [(d["trip_id"], d["service_date"], d["scheduled_time"]) for d in deps] == [
        ("T2", "2026-03-10", "2026-03-11T00:10:00+02:00")
    ]


def test_station_includes_its_platforms_and_limit(client: TestClient) -> None:
    deps = client.get("/v1/stops/S/departures",
                      params={"time": "2026-03-10T07:00", "limit": 1}).json()["departures"]
    assert [(d["trip_id"], d["stop_id"]) for d in deps] == [("T1", "P1")]


def test_unknown_stop_is_404_problem(client: TestClient) -> None:
    r = client.get("/v1/stops/NOPE/departures")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_realtime_fields_from_overlay(snap: Path) -> None:
    net = load_snapshot(snap / str(current_version(snap)))
    tt = net.timetable
    svc = DeparturesService(net)
    day = date(2026, 3, 10).toordinal()
    trip = tt.names.trip_ids.index("T1")
    t = int(np.flatnonzero(np.asarray(tt.trip_gtfs) == trip)[0])
    b = OverlayBuilder(tt)
    b.set_trip(day, t, [120, 120, 120], [120, 120, 120], [False, False, False])
    overlay = b.build(service_day=day, version=1, feed_timestamp=0)
    out = svc.departures("P1", day, 7 * 3600 + 55 * 60, overlay=overlay)
    d = out.departures[0]
    assert out.realtime and d.trip_id == "T1"
    assert d.delay_s == 120 and d.realtime_time == "2026-03-10T08:02:00+02:00"
    b2 = OverlayBuilder(tt, overlay)
    b2.cancel_trip(day, t)
    out2 = svc.departures("P1", day, 7 * 3600 + 55 * 60,
                          overlay=b2.build(service_day=day, version=2, feed_timestamp=0))
    assert out2.departures[0].cancelled and out2.departures[0].delay_s == 0
