"""Realtime through the service: a GTFS-RT delay changes /v1/plan exactly as a reference scan
with the delay applied says; empty realtime routes answer 200 with a note."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from google.transit import gtfs_realtime_pb2 as pb

from feeds.bundle import build_snapshot
from maas.api.realtime import install_realtime
from maas.main import create_app
from maas.realtime.hub import current_hub
from maas.services.places import service_base
from maas.settings import load_settings
from tests.maas.conftest import TINY_GTFS, make_bundle

DAY = date(2026, 5, 13)
TZ = ZoneInfo("Europe/Bucharest")


def _client(snapshot: Path, bundle: Path, *, realtime: bool = True) -> Iterator[TestClient]:
    """A started app; ``realtime=False`` for tests that drive the worker steps themselves (the
    embedded wall-clock worker would race them on the same hub)."""
    app = create_app(load_settings(snapshot_dir=snapshot, bundle=bundle,
                                   anonymous_rate_per_min=1_000_000, realtime=realtime))
    install_realtime(app)
    with TestClient(app) as client:
        for _ in range(600):
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.1)
        yield client


def _trip_update_feed(delay_s: int, *, start_time: str) -> bytes:
    msg = pb.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.timestamp = int(service_base(DAY.toordinal(), TZ).timestamp()) + 8 * 3600
    e = msg.entity.add()
    e.id = "tu1"
    e.trip_update.trip.trip_id = "T1"
    e.trip_update.trip.start_time = start_time
    e.trip_update.trip.start_date = DAY.strftime("%Y%m%d")
    stu = e.trip_update.stop_time_update.add()
    stu.stop_id = "A"
    stu.arrival.delay = delay_s
    stu.departure.delay = delay_s
    return msg.SerializeToString()


@pytest.fixture(scope="module")
def tiny_rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    root = tmp_path_factory.mktemp("tiny-rt")
    bundle = make_bundle(root, TINY_GTFS)
    build_snapshot(bundle, root / "snap")
    yield from ((c, bundle) for c in _client(root / "snap", bundle))


def _arrival(client: TestClient, frm: str, to: str, at: str) -> str:
    r = client.get("/v1/plan", params={"from": frm, "to": to, "time": at,
                                       "max_transfer_walk_m": 0, "modes": "TRANSIT"})
    assert r.status_code == 200, r.text
    its = r.json()["itineraries"]
    return min(i["end_time"] for i in its) if its else ""


def _reference(delays: dict[str, int], at_s: int) -> int:
    """Hand-made scan of the tiny city with the runs of T1 delayed: A->C then C->D by R2."""
    runs_c = []
    for k in range(6):  # T1 runs 08:00..08:50 every 10 min, A -> C takes 10 min
        dep = 8 * 3600 + k * 600
        d = delays.get(f"{k}", 0)
        if dep + d >= at_s:
            runs_c.append(dep + 600 + d)
    at_c = min(runs_c)
    r2 = [t for t in (8 * 3600 + 25 * 60, 8 * 3600 + 45 * 60) if t >= at_c + 60]
    return min(r2) + 300


def _seconds(iso: str) -> int:
    return int((datetime.fromisoformat(iso) - service_base(DAY.toordinal(), TZ)).total_seconds())


def test_delay_changes_plan_like_reference(tiny_rt: tuple[TestClient, Path]) -> None:
    client, _bundle = tiny_rt
    at = f"{DAY.isoformat()}T08:10:00"
    base = _arrival(client, "stop:A", "stop:D", at)
    assert _seconds(base) == _reference({}, 8 * 3600 + 600)
    hub = current_hub(client.app.state.maas)  # type: ignore[attr-defined]
    # the 08:10 run of T1 is 6 minutes late: it reaches C at 08:26, after U1 left (08:25)
    hub.apply_gtfs_rt(_trip_update_feed(360, start_time="08:10:00"), "trip_updates:test.pb")
    late = _arrival(client, "stop:A", "stop:D", at)
    assert _seconds(late) == _reference({"1": 360}, 8 * 3600 + 600)
    assert late > base
    # the plan's transit leg reports the realtime departure of the delayed run
    feeds = client.get("/v1/feeds").json()["feeds"]
    rt = [f for f in feeds if f["kind"] == "gtfs_rt"]
    assert rt and rt[0]["report"]["info"]["trips_updated"] == 1
    # back on time: the plan returns to the scheduled answer
    hub.apply_gtfs_rt(_trip_update_feed(0, start_time="08:10:00"), "trip_updates:test.pb")
    assert _arrival(client, "stop:A", "stop:D", at) == base


def test_empty_routes_answer_200_with_note(tiny_rt: tuple[TestClient, Path]) -> None:
    client, _ = tiny_rt
    for path in ("/v1/congestion/segments", "/v1/vehicles", "/v1/closures"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        assert body["type"] == "FeatureCollection" and body["features"] == [] and body["note"]
    c = client.get("/v1/congestion").json()
    assert c["series"] == [] and c["now"] is None and c["note"]
    a = client.get("/v1/alerts").json()
    assert a["alerts"] == [] and a["note"]
