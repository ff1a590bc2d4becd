"""DEMO live generator: deterministic per (seed, time bucket), labelled, consistent with the
static data and valid against the official GBFS schemas."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import box

from feeds.demo_live import (
    CAR_TYPE_ID,
    DEMO_LABEL,
    DemoEvsePatch,
    demo_bucket,
    demo_carshare_documents,
    demo_carshare_snapshot,
    demo_city_live,
    demo_evse_patches,
    demo_station_status,
)
from feeds.gbfs import GbfsDocument, Station, build_snapshot
from feeds.ocpi import EvseStatus, LocationStore, read_locations
from feeds.osm_amenities import derive_city_live_files
from feeds.report import IngestReport
from tests.conftest import require_shared

STATIONS = [Station(f"s{i}", f"S{i}", 45.75, 21.22, capacity=c)
            for i, c in enumerate([5, 20, None, 12])]
BBOX = (21.17, 45.72, 21.28, 45.79)
NOW = 1_750_000_000


def test_bucket() -> None:
    assert demo_bucket(119, 60) == 1 and demo_bucket(120, 60) == 2
    with pytest.raises(ValueError, match="bucket_s"):
        demo_bucket(1, 0)


def test_station_status_is_deterministic_per_bucket_and_independent_of_others() -> None:
    a = demo_station_status(STATIONS, seed=7, now_s=NOW)
    assert a == demo_station_status(STATIONS, seed=7, now_s=NOW + 59 - NOW % 60)
    later = [demo_station_status(STATIONS, seed=7, now_s=NOW + 60 * k) for k in range(1, 6)]
    assert any(doc["data"] != a["data"] for doc in later)
    assert demo_station_status(STATIONS, seed=8, now_s=NOW)["data"] != a["data"]
    alone = demo_station_status(STATIONS[1:2], seed=7, now_s=NOW)
    assert alone["data"]["stations"][0] == a["data"]["stations"][1]
    assert a["demo"] is True


def test_station_status_respects_capacity_and_schema() -> None:
    doc = demo_station_status(STATIONS, seed=3, now_s=NOW, vehicle_type_id="bike")
    snap, report = build_snapshot(
        {"station_status": GbfsDocument("station_status", doc, "demo")}, version="2.3")
    assert "findings" not in report.info
    for st, status in zip(STATIONS, snap.station_status.values(), strict=True):
        cap = st.capacity or 10
        assert status.num_vehicles_available + (status.num_docks_available or 0) + (
            status.num_docks_disabled) <= cap
        assert status.vehicle_types_available == (("bike", status.num_vehicles_available),)


def test_carshare_documents_are_valid_and_respect_the_no_parking_zone() -> None:
    snap, report = demo_carshare_snapshot(BBOX, seed=1, now_s=NOW, n_cars=40)
    assert "findings" not in report.info, report.format_text()  # official 3.0 schemas
    assert report.total_skipped == 0
    assert len(snap.vehicles) == 40
    car = snap.vehicle_types[CAR_TYPE_ID]
    assert (car.form_factor, car.propulsion_type, car.g_co2_km) == ("car", "electric", 0)
    assert snap.system is not None and snap.system.name.startswith("DEMO")
    centre = box(21.2205, 45.7495, 21.2330, 45.7600)
    for v in snap.vehicles.values():
        assert v.lat is not None and v.lon is not None
        assert BBOX[0] <= v.lon <= BBOX[2] and BBOX[1] <= v.lat <= BBOX[3]
        assert not centre.contains(box(v.lon, v.lat, v.lon, v.lat).centroid)
        assert snap.can_end_ride(v.lat, v.lon, CAR_TYPE_ID)  # every car is legally parked
        assert v.current_range_meters is not None and 0 < v.current_range_meters <= 300_000
    # geofencing: centre forbidden, rest of bbox allowed, outside bbox forbidden (global rule)
    assert not snap.can_end_ride(45.7537, 21.2257, CAR_TYPE_ID)  # Piața Victoriei
    assert snap.can_end_ride(45.7400, 21.2000, CAR_TYPE_ID)
    assert not snap.can_end_ride(45.60, 21.00, CAR_TYPE_ID)
    docs = demo_carshare_documents(BBOX, seed=1, now_s=NOW, n_cars=40)
    assert docs == demo_carshare_documents(BBOX, seed=1, now_s=NOW + 1, n_cars=40)


def test_evse_patches_apply_through_the_ocpi_store() -> None:
    raw = [{"country_code": "RO", "party_id": "OSM", "id": f"L{i}",
            "coordinates": {"latitude": "45.75", "longitude": "21.22"},
            "last_updated": "2024-01-01T00:00:00Z",
            "evses": [{"uid": f"L{i}-{j}", "status": "UNKNOWN",
                       "last_updated": "2024-01-01T00:00:00Z", "connectors": []}
                      for j in range(3)]} for i in range(30)]
    locations = read_locations(raw, IngestReport("t"))
    patches = demo_evse_patches(locations, seed=5, now_s=NOW)
    assert patches == demo_evse_patches(locations, seed=5, now_s=NOW)
    assert len(patches) == 90 and isinstance(patches[0], DemoEvsePatch)
    store, report = LocationStore(), IngestReport("t")
    store.load(raw, report)
    for p in patches:
        assert store.patch(p.key, p.fragment, report, evse_uid=p.evse_uid)
    statuses = [e.status for loc in store for e in loc.evses]
    assert statuses.count(EvseStatus.AVAILABLE) > 30  # 55 % of 90 expected
    assert EvseStatus.CHARGING in statuses
    # an older bucket is refused as stale by the store
    old = demo_evse_patches(locations, seed=5, now_s=NOW - 3600)
    assert not store.patch(old[0].key, old[0].fragment, report, evse_uid=old[0].evse_uid)


@pytest.mark.shared_data
def test_demo_city_live_on_the_timisoara_bundle(tmp_path: Path) -> None:
    pbf = require_shared("timisoara", "osm", "timisoara.osm.pbf")
    derive_city_live_files(pbf, tmp_path, timezone="Europe/Bucharest", language="ro")
    live = demo_city_live(tmp_path, seed=42, now_s=NOW)
    velotm = live.bikeshare["velotm"]
    assert len(velotm.stations) == 39 and set(velotm.station_status) == set(velotm.stations)
    assert len(live.charging) == 52
    statuses = {e.status for loc in live.charging for e in loc.evses}
    assert EvseStatus.AVAILABLE in statuses and EvseStatus.CHARGING in statuses
    assert len(live.carshare.vehicles) == 20
    assert live.label == DEMO_LABEL and "DEMO" in live.label
    assert live.report.total_skipped == 0
    again = demo_city_live(tmp_path, seed=42, now_s=NOW)
    assert again.bikeshare["velotm"].station_status == velotm.station_status
    assert [loc.evses for loc in again.charging] == [loc.evses for loc in live.charging]
