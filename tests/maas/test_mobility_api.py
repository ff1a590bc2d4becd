"""Feature: live shared mobility over HTTP on the bundled Timisoara city (embedded store with
the DEMO generator): GeoJSON availability routes, BIKESHARE/CARSHARE/EV plans, /v1/feeds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from feeds.bundle import build_snapshot
from maas.settings import DEFAULT_BUNDLE
from tests.maas.conftest import serve


@pytest.fixture(scope="module")
def snap_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("tm-live") / "snap"
    build_snapshot(DEFAULT_BUNDLE, root)
    return str(root)


@pytest.fixture(scope="module")
def client(snap_root: str) -> Iterator[TestClient]:
    from pathlib import Path

    for c in serve(Path(snap_root)):
        import time

        for _ in range(100):  # the embedded worker's first round
            if len(c.get("/v1/feeds").json()["feeds"]) and c.get(
                    "/v1/charging/locations").json()["feeds"]:
                break
            time.sleep(0.1)
        yield c


def test_bikeshare_stations_geojson(client: TestClient) -> None:
    body = client.get("/v1/bikeshare/stations").json()
    assert body["type"] == "FeatureCollection" and body["label"] == "demo"
    assert not body["stale"] and body["age_s"] is not None
    f = body["features"][0]
    assert f["geometry"]["type"] == "Point"
    assert {"num_bikes_available", "num_docks_available", "name", "stale", "age_s"} <= set(
        f["properties"])


def test_carsharing_and_charging_geojson(client: TestClient) -> None:
    cars = client.get("/v1/carsharing/vehicles").json()
    assert cars["features"] and cars["label"] == "demo"
    assert all("current_range_meters" in f["properties"] for f in cars["features"])
    ch = client.get("/v1/charging/locations").json()
    assert ch["features"] and ch["label"] == "demo"
    assert all(f["properties"]["evses"] >= 0 for f in ch["features"])
    only = client.get("/v1/charging/locations",
                      params={"connector": "IEC_62196_T2_COMBO", "available_only": True}).json()
    assert all("IEC_62196_T2_COMBO" in f["properties"]["available_connectors"]
               for f in only["features"])


def test_feeds_lists_live_feeds(client: TestClient) -> None:
    feeds = client.get("/v1/feeds").json()["feeds"]
    live = {f["source"]: f for f in feeds if f["report"].get("live")}
    assert {"gbfs:velotm", "gbfs:demo_carshare", "ocpi:locations"} <= set(live)
    assert all(f["label"] == "demo" and f["fresh"] and int(f["version"]) >= 1
               for f in live.values())


def _plan(client: TestClient, a: str, b: str, modes: str, **kw: object) -> list[dict]:
    r = client.get("/v1/plan", params={"from": a, "to": b, "time": "2026-11-24T08:00",
                                       "modes": modes, "num_itineraries": 3, **kw})
    assert r.status_code == 200, r.text
    return list(r.json()["itineraries"])


def test_plan_with_bikeshare(client: TestClient) -> None:
    # the demo availability changes every bucket: start next to a station with bikes and end
    # next to another one with free docks, 1.5-4 km apart (cycling clearly beats walking)
    legs: list[dict] = []
    for attempt in range(8):
        feats = client.get("/v1/bikeshare/stations").json()["features"]
        rent = [f for f in feats if f["properties"]["is_renting"]
                and f["properties"]["num_bikes_available"] > 0]
        dock = [f for f in feats if f["properties"]["is_returning"]
                and f["properties"]["num_docks_available"] > 0]
        a = rent[attempt % len(rent)]["geometry"]["coordinates"]
        far = [f["geometry"]["coordinates"] for f in dock
               if 0.02 < abs(f["geometry"]["coordinates"][0] - a[0])
               + abs(f["geometry"]["coordinates"][1] - a[1]) < 0.05]
        if not far:
            continue
        b = far[0]
        its = _plan(client, f"{a[1] + 0.0004},{a[0]}", f"{b[1] + 0.0004},{b[0]}",
                    "WALK,BIKESHARE")
        legs = [leg for it in its for leg in it["legs"] if leg["mode"] == "BIKESHARE"]
        if legs:
            break
    assert legs, "no BIKESHARE leg"
    assert legs[0]["system"] == "gbfs:velotm" and legs[0]["label"] == "demo"
    assert legs[0]["from"]["name"] not in ("Street", "Origin")
    assert legs[0]["to"]["name"] not in ("Street", "Destination")


def test_plan_with_carshare(client: TestClient) -> None:
    # the demo fleet moves every bucket: start next to an available car, end at another car's
    # spot (cars are parked where rides may end) at least 1.5 km away
    legs: list[dict] = []
    for attempt in range(12):  # the embedded writer may move the fleet between requests, and a
        # demo car may be parked where no drivable path leads: try several start cars
        cars = client.get("/v1/carsharing/vehicles", params={"available_only": True}).json()
        pts = [(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0])
               for f in cars["features"] if f["properties"]["current_range_meters"] > 20_000]
        a = pts[(attempt * 7) % len(pts)]
        far = [p for p in pts if abs(p[0] - a[0]) + abs(p[1] - a[1]) > 0.03]
        if not far:
            continue
        # a different destination car each attempt: demo cars are placed at random points,
        # a few of them where no road leads within walking distance
        b = far[(attempt * 5) % len(far)]
        its = _plan(client, f"{a[0]},{a[1]}", f"{b[0]},{b[1]}", "WALK,CARSHARE")
        legs = [leg for it in its for leg in it["legs"] if leg["mode"] == "CARSHARE"]
        if legs:
            break
    assert legs, "no CARSHARE leg"
    leg = legs[0]
    assert leg["vehicle_id"] and leg["label"] == "demo"
    assert leg["price"] is not None and leg["currency"] == "EUR"
    assert leg["co2_g"] == 0.0  # demo cars are electric (g_CO2_km = 0)


def test_plan_ev_connector(client: TestClient) -> None:
    # two chargers written straight into the app's store: an occupied one at the destination,
    # an available one ~300 m north (the embedded demo writer overwrites them at its next tick)
    import json
    import time

    recs = [{"key": ["RO", "TST", "busy"], "name": "Busy charger", "lat": 45.7780,
             "lon": 21.2260, "address": None, "operator": None,
             "evses": [["b1", "CHARGING", ["IEC_62196_T2"], 22000]]},
            {"key": ["RO", "TST", "free"], "name": "Free charger", "lat": 45.7807,
             "lon": 21.2260, "address": None, "operator": None,
             "evses": [["f1", "AVAILABLE", ["IEC_62196_T2"], 22000]]}]
    client.app.state.live.store.put(  # type: ignore[attr-defined]
        "ocpi:locations", json.dumps(recs).encode(), feed_timestamp=time.time(), ttl_s=60)
    its = _plan(client, "45.7537,21.2257", "45.7780,21.2260", "CAR",
                ev_connector="IEC_62196_T2")
    ev = [it for it in its if [leg["mode"] for leg in it["legs"]][-2:] == ["CAR", "WALK"]]
    assert ev, its
    assert ev[0]["legs"][-2]["to"]["name"] == "Free charger"


def test_car_and_bike_start_on_their_own_streets(client: TestClient) -> None:
    # Piata Victoriei (pedestrian square: the nearest node is a footway) to a south-west
    # point whose nearest node is off the roads too: both ends snap to nodes the mode can use,
    # inside what the real closures leave connected
    for mode in ("CAR", "BIKE"):
        its = _plan(client, "45.7537,21.2257", "45.733452,21.197228", mode)
        assert its, f"no {mode} itinerary"
        legs = its[0]["legs"]
        assert [leg["mode"] for leg in legs] == [mode]
        assert legs[0]["distance_m"] > 3000
