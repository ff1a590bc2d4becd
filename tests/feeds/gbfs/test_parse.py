"""GBFS normalisation: 2.x and 3.0 fields into one shape; dirty entities counted, not raised."""

from __future__ import annotations

from typing import Any

from feeds.gbfs import GbfsDocument, build_snapshot
from feeds.gbfs.values import note_count


def docs(version: str, **files: dict[str, Any]) -> dict[str, GbfsDocument]:
    stamp: Any = 1_700_000_000 if version.startswith("2") else "2023-11-14T22:13:20Z"
    return {
        name: GbfsDocument(name, {"last_updated": stamp, "ttl": 60, "version": version,
                                  "data": data}, f"{name}.json")
        for name, data in files.items()
    }


def test_v2_and_v3_status_fields_normalise_to_the_same_record() -> None:
    v2, _ = build_snapshot(docs("2.3", station_status={"stations": [{
        "station_id": "s1", "num_bikes_available": 4, "num_docks_available": 6,
        "is_installed": True, "is_renting": False, "is_returning": True,
        "last_reported": 1_700_000_000}]}), version="2.3")
    v3, _ = build_snapshot(docs("3.0", station_status={"stations": [{
        "station_id": "s1", "num_vehicles_available": 4, "num_docks_available": 6,
        "is_installed": True, "is_renting": False, "is_returning": True,
        "last_reported": "2023-11-14T22:13:20Z"}]}), version="3.0")
    assert v2.station_status == v3.station_status
    st = v3.station_status["s1"]
    assert (st.num_vehicles_available, st.num_docks_available, st.is_renting) == (4, 6, False)
    assert st.last_reported_s == 1_700_000_000
    assert v3.files["station_status"].last_updated_s == 1_700_000_000
    assert v3.files["station_status"].ttl_s == 60


def test_localised_names_pick_the_requested_language() -> None:
    info = {"stations": [{"station_id": "a", "lat": 45.0, "lon": 21.0, "name": [
        {"text": "Gara", "language": "ro"}, {"text": "Station", "language": "en"}]}]}
    en, _ = build_snapshot(docs("3.0", station_information=info), version="3.0", language="en")
    first, _ = build_snapshot(docs("3.0", station_information=info), version="3.0")
    assert en.stations["a"].name == "Station"
    assert first.stations["a"].name == "Gara"


def test_unusable_entities_are_skipped_and_duplicates_counted() -> None:
    snap, report = build_snapshot(docs("2.3", station_information={"stations": [
        {"station_id": "a", "name": "A", "lat": 45.0, "lon": 21.0, "capacity": 10},
        {"station_id": "a", "name": "A again", "lat": 45.1, "lon": 21.1},
        {"station_id": "b", "name": "B", "lat": "north", "lon": 21.0},
        {"name": "no id", "lat": 45.0, "lon": 21.0},
        "not an object",
    ]}), version="2.3")
    assert list(snap.stations) == ["a"]
    assert snap.stations["a"].name == "A"
    assert report.rows_read["station_information"] == 5
    assert report.skipped[("station_information", "duplicate_station_id")] == 1
    assert report.skipped[("station_information", "invalid_coordinates")] == 1
    assert report.skipped[("station_information", "missing_station_id")] == 1
    assert report.skipped[("station_information", "not_an_object")] == 1
    # the schema saw them too: lat of the wrong type at entity 2, station_id missing at 3
    examples = report.info["finding_examples"]
    assert {"file": "station_information", "index": 2, "reason": "schema lat: type",
            "value": ""} in examples
    assert note_count(report, "station_information", "schema <entity>: required station_id") == 1


def test_schema_violations_are_counted_but_readable_entities_kept() -> None:
    snap, report = build_snapshot(docs("2.3", free_bike_status={"bikes": [
        {"bike_id": "v1", "lat": 45.0, "lon": 21.0, "is_reserved": 0, "is_disabled": 1},
        {"bike_id": "v2", "is_reserved": False, "is_disabled": False},
    ]}), version="2.3")
    assert list(snap.vehicles) == ["v1"]
    assert snap.vehicles["v1"].is_disabled and not snap.vehicles["v1"].is_available
    assert note_count(report, "free_bike_status", "schema is_reserved: type") == 1
    assert note_count(report, "free_bike_status", "schema is_disabled: type") == 1
    assert report.skipped[("free_bike_status", "no_position")] == 1
    assert any("free_bike_status: 1 x schema is_reserved: type" in w for w in report.warnings)


def test_unknown_references_are_noted_and_kept() -> None:
    snap, report = build_snapshot(docs(
        "3.0",
        station_information={"stations": [
            {"station_id": "a", "name": [{"text": "A", "language": "en"}], "lat": 1.0,
             "lon": 2.0}]},
        station_status={"stations": [
            {"station_id": "ghost", "num_vehicles_available": 1, "is_installed": True,
             "is_renting": True, "is_returning": True, "last_reported": "2023-11-14T22:13:20Z"}]},
        vehicle_types={"vehicle_types": [
            {"vehicle_type_id": "bike", "form_factor": "bicycle", "propulsion_type": "human"}]},
        vehicle_status={"vehicles": [
            {"vehicle_id": "v", "lat": 1.0, "lon": 2.0, "is_reserved": False,
             "is_disabled": False, "vehicle_type_id": "rocket"},
            {"vehicle_id": "w", "station_id": "nowhere", "is_reserved": False,
             "is_disabled": False, "vehicle_type_id": "bike"}]},
    ), version="3.0")
    assert "ghost" in snap.station_status
    assert set(snap.vehicles) == {"v", "w"}
    assert snap.vehicles["w"].lat is None
    assert note_count(report, "station_status", "unknown_station_id") == 1
    assert note_count(report, "vehicle_status", "unknown_vehicle_type_id") == 1
    assert note_count(report, "vehicle_status", "unknown_station_id") == 1
    assert report.total_skipped == 0


SQUARE = [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]
INNER = [[[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6], [0.4, 0.4]]]


def zone(coords: list[Any], rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [coords]},
            "properties": {"rules": rules}}


def test_v2_ride_allowed_means_start_and_end() -> None:
    snap, _ = build_snapshot(docs("2.3", geofencing_zones={"geofencing_zones": {
        "type": "FeatureCollection", "features": [
            zone(INNER, [{"vehicle_type_id": ["scooter"], "ride_allowed": False,
                          "ride_through_allowed": True}])]}}), version="2.3")
    rule = snap.geofencing_zones[0].rules[0]
    assert (rule.ride_start_allowed, rule.ride_end_allowed, rule.ride_through_allowed) == (
        False, False, True)
    assert not snap.can_end_ride(0.5, 0.5, "scooter")
    assert snap.can_end_ride(0.5, 0.5, "bike")  # rule is for scooters only
    assert snap.can_end_ride(0.9, 0.9, "scooter")  # 2.x: outside every zone = unrestricted


def test_v3_zones_overlap_most_restrictive_and_global_rules_elsewhere() -> None:
    snap, _ = build_snapshot(docs("3.0", geofencing_zones={
        "geofencing_zones": {"type": "FeatureCollection", "features": [
            zone(SQUARE, [{"ride_start_allowed": True, "ride_end_allowed": True,
                           "ride_through_allowed": True}]),
            zone(INNER, [
                {"vehicle_type_ids": ["car"], "ride_start_allowed": False,
                 "ride_end_allowed": False, "ride_through_allowed": True},
                {"ride_start_allowed": True, "ride_end_allowed": True,
                 "ride_through_allowed": True}]),
        ]},
        "global_rules": [{"ride_start_allowed": False, "ride_end_allowed": False,
                          "ride_through_allowed": True}],
    }), version="3.0")
    assert snap.can_end_ride(0.2, 0.2, "car")  # outer zone only
    assert not snap.can_end_ride(0.5, 0.5, "car")  # inner forbids cars: most restrictive wins
    assert snap.can_end_ride(0.5, 0.5, "bike")  # first rule skipped (cars), second applies
    assert not snap.can_end_ride(2.0, 2.0, "bike")  # outside every zone: global rule
    assert not snap.can_start_ride(2.0, 2.0)


def test_zone_time_window_and_missing_geometry() -> None:
    snap, report = build_snapshot(docs("3.0", geofencing_zones={
        "geofencing_zones": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [SQUARE]},
             "properties": {"start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z",
                            "rules": [{"ride_start_allowed": True, "ride_end_allowed": False,
                                       "ride_through_allowed": True}]}},
            {"type": "Feature", "geometry": None, "properties": {"rules": []}},
        ]}, "global_rules": []}), version="3.0")
    assert len(snap.geofencing_zones) == 1
    assert report.skipped[("geofencing_zones", "no_geometry")] == 1
    inside = 1_704_067_200 + 3600  # 2024-01-01T01:00Z
    assert not snap.can_end_ride(0.5, 0.5, at_s=inside)
    assert snap.can_end_ride(0.5, 0.5, at_s=inside + 86_400)


def test_pricing_plan_string_price_and_segments() -> None:
    snap, report = build_snapshot(docs("2.3", system_pricing_plans={"plans": [{
        "plan_id": "p", "name": "Ride", "currency": "USD", "price": "1.00",
        "is_taxable": True, "description": "x",
        "per_min_pricing": [{"start": 0, "rate": 0.44, "interval": 1}]}]}), version="2.3")
    plan = snap.pricing_plans["p"]
    assert plan.price == 1.0 and plan.per_min_pricing[0].rate == 0.44
    assert note_count(report, "system_pricing_plans", "schema price: type") == 1
