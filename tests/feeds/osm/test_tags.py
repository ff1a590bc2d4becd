"""Feature: OSM way tags -> per-direction access bits, car speed, bike factor and flags."""

from __future__ import annotations

import pytest

from feeds.osm.tags import parse_maxspeed, way_attributes
from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK
from routing.street_graph import (
    FLAG_BAD_SURFACE,
    FLAG_KERB_UNKNOWN,
    FLAG_STEPS,
    FLAG_UNKNOWN_SURFACE,
)

W, B, C = ACCESS_WALK, ACCESS_BIKE, ACCESS_CAR


def _dirs(tags: dict[str, str]) -> tuple[int, int]:
    attrs = way_attributes(tags)
    assert attrs is not None
    return attrs.access_fwd, attrs.access_bwd


@pytest.mark.parametrize(
    ("tags", "fwd", "bwd"),
    [
        ({"highway": "residential"}, W | B | C, W | B | C),
        ({"highway": "residential", "oneway": "yes"}, W | B | C, W),
        ({"highway": "residential", "oneway": "1"}, W | B | C, W),
        ({"highway": "residential", "oneway": "true"}, W | B | C, W),
        ({"highway": "residential", "oneway": "-1"}, W, W | B | C),
        ({"highway": "residential", "oneway": "reversible"}, W | B, W | B),
        ({"highway": "residential", "oneway": "no"}, W | B | C, W | B | C),
        ({"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, W | B | C, W | B),
        ({"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"},
         W | B | C, W | B),
        ({"highway": "residential", "oneway": "yes", "cycleway:left": "opposite_track"},
         W | B | C, W | B),
        ({"highway": "residential", "oneway:bicycle": "yes"}, W | B | C, W | C),
        ({"highway": "primary", "junction": "roundabout"}, W | B | C, W),
        ({"highway": "primary", "junction": "roundabout", "oneway": "no"}, W | B | C, W | B | C),
        ({"highway": "motorway"}, C, 0),
        ({"highway": "footway", "oneway": "yes"}, W | B, W | B),
        ({"highway": "cycleway", "oneway": "yes"}, W | B, W),
        ({"highway": "primary", "foot": "no"}, B | C, B | C),
        ({"highway": "residential", "access": "no", "foot": "yes"}, W, W),
        ({"highway": "residential", "access": "private", "bicycle": "designated"}, B, B),
        ({"highway": "service", "motor_vehicle": "no"}, W | B, W | B),
        ({"highway": "service", "vehicle": "no", "motorcar": "yes"}, W | C, W | C),
        ({"highway": "footway", "access": "yes"}, W | B, W | B),
        ({"highway": "footway", "bicycle": "no"}, W, W),
        ({"highway": "motorway", "foot": "yes", "oneway": "no"}, W | C, W | C),
        ({"highway": "track"}, W | B, W | B),
    ],
)
def test_access_and_oneway(tags: dict[str, str], fwd: int, bwd: int) -> None:
    assert _dirs(tags) == (fwd, bwd)


@pytest.mark.parametrize(
    "tags",
    [
        {"highway": "residential", "access": "no"},
        {"highway": "pedestrian", "area": "yes"},
        {"highway": "construction"},
        {"highway": "proposed"},
        {"highway": "motorway", "motor_vehicle": "no"},
        {"building": "yes"},
    ],
)
def test_not_routable(tags: dict[str, str]) -> None:
    assert way_attributes(tags) is None


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("50 mph", 50 * 1.609344),
        ("20 knots", 20 * 1.852),
        ("RO:urban", 50.0),
        ("RO:rural", 90.0),
        ("DE:motorway", 130.0),
        ("walk", 7.0),
        ("30;50", 30.0),
        ("none", None),
        ("signals", None),
        ("fast", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value: str | None, kmh: float | None) -> None:
    assert parse_maxspeed(value) == pytest.approx(kmh)


def test_car_speed_from_maxspeed_else_class() -> None:
    with_limit = way_attributes({"highway": "residential", "maxspeed": "50"})
    by_class = way_attributes({"highway": "residential"})
    no_limit = way_attributes({"highway": "motorway", "maxspeed": "none"})
    assert with_limit is not None and by_class is not None and no_limit is not None
    assert with_limit.car_speed_mps == pytest.approx(50 / 3.6)
    assert by_class.car_speed_mps == pytest.approx(30 / 3.6)
    assert no_limit.car_speed_mps == pytest.approx(110 / 3.6)


def test_steps_flags_and_pushing() -> None:
    steps = way_attributes({"highway": "steps"})
    paved_steps = way_attributes({"highway": "steps", "surface": "concrete"})
    road = way_attributes({"highway": "residential"})
    assert steps is not None and paved_steps is not None and road is not None
    assert steps.flags == FLAG_STEPS | FLAG_UNKNOWN_SURFACE
    assert paved_steps.flags == FLAG_STEPS
    assert road.flags == 0  # roads are paved by default
    assert steps.bike_factor < road.bike_factor
    assert (steps.access_fwd & ACCESS_CAR) == 0


@pytest.mark.parametrize("surface", ["cobblestone", "gravel", "sett", "unpaved", "grass"])
def test_bad_surface(surface: str) -> None:
    attrs = way_attributes({"highway": "footway", "surface": surface})
    assert attrs is not None
    assert attrs.flags == FLAG_BAD_SURFACE


def test_bad_smoothness_and_kerb() -> None:
    rough = way_attributes({"highway": "residential", "smoothness": "very_bad"})
    crossing = way_attributes({"highway": "footway", "footway": "crossing", "surface": "asphalt"})
    lowered = way_attributes(
        {"highway": "footway", "footway": "crossing", "surface": "asphalt", "kerb": "lowered"}
    )
    assert rough is not None and crossing is not None and lowered is not None
    assert rough.flags == FLAG_BAD_SURFACE
    assert crossing.flags == FLAG_KERB_UNKNOWN
    assert lowered.flags == 0


def test_bike_factor_pushing_and_designated() -> None:
    footway = way_attributes({"highway": "footway"})
    shared = way_attributes({"highway": "footway", "bicycle": "designated"})
    cycleway = way_attributes({"highway": "cycleway", "surface": "asphalt"})
    assert footway is not None and shared is not None and cycleway is not None
    assert footway.bike_factor < shared.bike_factor < cycleway.bike_factor == 1.0
