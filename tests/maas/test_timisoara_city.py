"""The bundled Timisoara city, built from the repo alone and served: /v1/feeds shows it (with
its timetable labelled estimated) and a cross-city plan uses STPT transit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from feeds.bundle import build_snapshot
from maas.settings import DEFAULT_BUNDLE
from tests.maas.conftest import serve


@pytest.fixture(scope="module")
def tm_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("tm") / "snap"
    build_snapshot(DEFAULT_BUNDLE, root)
    yield from serve(root)


def test_feeds_show_the_city(tm_client: TestClient) -> None:
    body = tm_client.get("/v1/feeds").json()
    net = body["network"]
    assert net["name"] == "Timisoara" and net["timezone"] == "Europe/Bucharest"
    assert net["counts"]["stops"] > 800 and net["counts"]["trips"] > 5000
    assert net["counts"]["street_edges"] > 50_000
    gtfs = [f for f in body["feeds"] if f["kind"] == "gtfs" and f["source"].startswith("gtfs:")]
    assert gtfs and gtfs[0]["label"] == "estimated"
    assert gtfs[0]["version"].startswith("estimated-")


def test_cross_city_plan_uses_transit(tm_client: TestClient) -> None:
    # Piata Victoriei area -> Calea Aradului (north), a weekday morning
    r = tm_client.get("/v1/plan", params={"from": "45.7537,21.2257", "to": "45.7780,21.2260",
                                          "time": "2026-11-24T08:00"})
    assert r.status_code == 200, r.text
    its = r.json()["itineraries"]
    assert its
    transit = [leg for it in its for leg in it["legs"] if leg["trip_id"]]
    assert transit, "expected at least one STPT leg"
    for leg in transit:
        assert leg["route_short_name"] and leg["from"]["stop_id"] and leg["to"]["stop_id"]
        assert len(leg["geometry"]["coordinates"]) >= 2
    for it in its:
        assert it["start_time"].endswith("+02:00")
        assert it["legs"][0]["from"]["lat"] == 45.7537


def test_default_bundle_is_in_the_repo() -> None:
    assert (DEFAULT_BUNDLE / "city.toml").exists()
    assert (DEFAULT_BUNDLE / "gtfs" / "stpt_estimated.zip").exists()
    assert (DEFAULT_BUNDLE / "osm" / "timisoara.osm.pbf").exists()
    assert Path(DEFAULT_BUNDLE / "README.md").read_text().count("ODbL") >= 1
