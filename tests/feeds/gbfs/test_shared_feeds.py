"""Integration: every real GBFS folder of the shared data (2.2, 2.3, 3.0) with known counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.gbfs import load_gbfs_folder
from feeds.gbfs.values import note_count
from tests.conftest import require_shared

pytestmark = pytest.mark.shared_data


def folder(prefix: str) -> Path:
    base = require_shared("gbfs")
    matches = sorted(p for p in base.iterdir() if p.name.startswith(prefix))
    if not matches:
        pytest.skip(f"shared GBFS folder {prefix}* absent")
    return matches[0]


def test_v22_lillestrom() -> None:
    snap, report = load_gbfs_folder(folder("v2.2_lillestrom"))
    assert snap.version == "2.2"
    assert len(snap.stations) == 6 and len(snap.station_status) == 6
    assert len(snap.vehicle_types) == 1 and len(snap.pricing_plans) == 2
    assert snap.system is not None and snap.system.timezone == "Europe/Oslo"
    assert set(snap.station_status) == set(snap.stations)
    assert report.total_skipped == 0 and "findings" not in report.info  # schema-clean feed


def test_v23_divvy() -> None:
    snap, report = load_gbfs_folder(folder("v2.3_divvy"))
    assert snap.version == "2.3"
    assert len(snap.stations) == 1811 and len(snap.station_status) == 1811
    assert len(snap.vehicles) == 1244 and len(snap.free_vehicles) == 1244
    assert len(snap.vehicle_types) == 3
    assert {(t.form_factor, t.propulsion_type) for t in snap.vehicle_types.values()} == {
        ("bicycle", "human"), ("bicycle", "electric_assist"), ("scooter", "electric")}
    assert snap.files["vehicle_types"].last_updated_s == 1738144058
    # Divvy sends 0/1 for booleans: every status violates the schema, yet all are kept.
    assert note_count(report, "station_status", "schema is_renting: type") == 1811
    assert note_count(report, "free_bike_status", "schema is_reserved: type") == 1244
    assert report.total_skipped == 0


def test_v30_check_almere() -> None:
    snap, report = load_gbfs_folder(folder("v3.0_check_almere"))
    assert snap.version == "3.0"
    assert len(snap.vehicles) == 6
    assert [t.form_factor for t in snap.vehicle_types.values()] == ["moped"]
    # 16 zones in the file; 2 have a null geometry (schema violation) and cannot be used.
    assert report.rows_read["geofencing_zones"] == 16
    assert len(snap.geofencing_zones) == 14
    assert report.skipped[("geofencing_zones", "no_geometry")] == 2
    assert snap.system is not None and snap.system.name == "Check Technologies"
    assert snap.files["vehicle_status"].last_updated_s == 1747813684  # RFC 3339 string
    v = snap.vehicles["d44a73a8-d9b1-483d-a90f-4ab6617e6d82"]
    assert v.current_range_meters == 32400
    # Global rule: no parking outside zones; "Hub Bergnet" forbids ending there.
    assert not snap.can_end_ride(0.0, 0.0, "check_moped_almere_60")


def test_v30_spec_examples() -> None:
    snap, report = load_gbfs_folder(folder("v3.0_spec_examples"))
    assert len(snap.stations) == 2
    assert len(snap.vehicles) == 4
    assert len(snap.vehicle_types) == 4
    car = snap.vehicle_types["car1"]
    assert (car.form_factor, car.g_co2_km, car.max_range_meters) == ("car", 120, 523992)
    assert snap.stations["station12"].is_virtual
    assert len(snap.geofencing_zones) == 1 and len(snap.global_rules) == 1
    # station_status names stations absent from station_information: noted, not fatal
    assert note_count(report, "station_status", "unknown_station_id") == 2
