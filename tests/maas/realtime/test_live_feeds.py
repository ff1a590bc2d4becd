"""Real live data through the service path: King County Metro vehicle positions (no trip
matches the 2016 timetable: reported in /v1/feeds, nothing crashes) and a whole day of the 7
real STPT AVL traces replayed on an accelerated clock into a city congestion index."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from feeds.bundle import build_snapshot
from maas.realtime.hub import current_hub
from maas.realtime.worker import WorkerState, open_replay, run_realtime_worker_step
from tests.conftest import REPO, require_shared
from tests.maas.realtime.test_realtime_api import _client


@pytest.fixture(scope="module")
def kcm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    base = require_shared("gtfs-rt", "king-county-metro")
    root = tmp_path_factory.mktemp("kcm")
    bundle = root / "kcm"
    (bundle / "gtfs").mkdir(parents=True)
    (bundle / "gtfs-rt").mkdir()
    (bundle / "gtfs" / "kcm_gtfs.zip").symlink_to(base / "kcm_gtfs.zip")
    pb_file = sorted(base.glob("vehicle_positions_*.pb"))[0]
    (bundle / "gtfs-rt" / "vp.pb").symlink_to(pb_file)
    (bundle / "city.toml").write_text(
        'name = "kcm"\n[gtfs_rt]\nvehicle_positions = "gtfs-rt/vp.pb"\n', encoding="utf-8")
    build_snapshot(bundle, root / "snap")
    yield from _client(root / "snap", bundle, realtime=False)


def test_kcm_unmatched_trips_reported(kcm: TestClient) -> None:
    hub = current_hub(kcm.app.state.maas)  # type: ignore[attr-defined]
    run_realtime_worker_step(hub, WorkerState(open_replay(hub)))
    feeds = kcm.get("/v1/feeds").json()["feeds"]
    vp = [f for f in feeds if f["kind"] == "gtfs_rt"]
    assert len(vp) == 1
    rep = vp[0]["report"]
    assert rep["info"]["vehicles_matched"] == 0
    assert rep["skipped"]["vehicle_positions"]["trip_not_found"] > 500
    vehicles = kcm.get("/v1/vehicles").json()
    assert len(vehicles["features"]) == rep["info"]["vehicles_unmatched"]
    assert all(f["properties"]["trip_id"] is None for f in vehicles["features"])
    for path in ("/v1/congestion", "/v1/congestion/segments", "/v1/alerts", "/v1/closures"):
        assert kcm.get(path).status_code == 200


@pytest.fixture(scope="module")
def stpt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    require_shared("timisoara", "stpt", "avl-traces")
    root = tmp_path_factory.mktemp("stpt")
    bundle = root / "tm"
    (bundle / "gtfs").mkdir(parents=True)
    src = REPO / "bundles" / "timisoara" / "gtfs" / "stpt_estimated.zip"
    (bundle / "gtfs" / "stpt_estimated.zip").symlink_to(src)
    (bundle / "city.toml").write_text(
        'name = "tm"\ntimezone = "Europe/Bucharest"\n'
        '[stpt_replay]\ntraces = "shared:timisoara/stpt/avl-traces"\n', encoding="utf-8")
    build_snapshot(bundle, root / "snap")
    yield from _client(root / "snap", bundle, realtime=False)


def test_replay_day_gives_city_index_all_day(stpt: TestClient) -> None:
    hub = current_hub(stpt.app.state.maas)  # type: ignore[attr-defined]
    replay = open_replay(hub, speed=float("inf"), tick_s=120, loop=False)
    assert replay is not None
    state = WorkerState(replay)
    steps = 0
    live_seen = 0
    while run_realtime_worker_step(hub, state):
        steps += 1
        if steps == 300:  # mid-morning: vehicles live, delays in the overlay
            live_seen = len(stpt.get("/v1/vehicles").json()["features"])
            assert hub.overlay.days, "matched vehicles produce delays"
    assert steps > 500 and live_seen > 5
    body = stpt.get("/v1/congestion").json()
    series = body["series"]
    hours = {s["start"][11:13] for s in series if s["tti"] is not None}
    assert {f"{h:02d}" for h in range(5, 22)} <= hours  # the whole service day has an index
    assert all(0.5 < s["tti"] < 5 for s in series if s["tti"] is not None)
    assert body["now"] is not None and body["lines"]
    segs = stpt.get("/v1/congestion/segments", params={"window_bins": 96}).json()
    assert segs["features"]
    p = segs["features"][0]["properties"]
    assert p["samples"] > 0 and p["speed_kmh"] > 0 and p["level"] >= -1
