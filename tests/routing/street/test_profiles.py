"""Travel profiles compile to exact integer seconds per edge, with -1 where a mode may not go."""

from __future__ import annotations

import numpy as np
import pytest

from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK, BIKE_SPEED_MPS
from routing.errors import InvalidRequestError
from routing.street.profiles import (
    BikeProfile,
    CarProfile,
    WalkProfile,
    WheelchairProfile,
    profile_for_mode,
    seconds_from_metres,
)
from routing.street_graph import (
    FLAG_BAD_SURFACE,
    FLAG_KERB_UNKNOWN,
    FLAG_STEPS,
    FLAG_UNKNOWN_SURFACE,
    StreetGraph,
)
from tests.support.grid import build_street_graph


def _line(lengths: list[float], **attrs: object) -> StreetGraph:
    n = len(lengths)
    return build_street_graph(
        45.75 + np.arange(n + 1) * 1e-4, np.full(n + 1, 21.22),
        np.arange(n), np.arange(1, n + 1), lengths, **attrs,  # type: ignore[arg-type]
    )


def test_rounding_is_half_up_with_one_second_minimum() -> None:
    assert seconds_from_metres(np.array([0.0, 2.0, 2.5, 3.0, 99.0]), 2.0).tolist() == [
        0, 1, 1, 2, 50
    ]
    graph = _line([0.0, 0.3, 1.0, 13.3, 133.0, 66.5])
    assert WalkProfile(speed_mps=1.33).edge_cost_s(graph).tolist() == [0, 1, 1, 10, 100, 50]


def test_walk_bike_car_speeds_and_access() -> None:
    access = [ACCESS_WALK, ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK | ACCESS_BIKE | ACCESS_CAR]
    graph = _line(
        [100.0] * 4, access=access, car_speed_mps=[10.0, 10.0, 12.5, 0.0],
        bike_factor=[1.0, 0.5, 1.0, 1.0],
    )
    assert WalkProfile(speed_mps=1.25).edge_cost_s(graph).tolist() == [80, -1, -1, 80]
    bike = BikeProfile().edge_cost_s(graph).tolist()
    assert bike == [-1, round(100 / (BIKE_SPEED_MPS * 0.5)), -1, round(100 / BIKE_SPEED_MPS)]
    # a car edge with no speed is unusable rather than infinitely slow
    assert CarProfile().edge_cost_s(graph).tolist() == [-1, -1, 8, -1]
    assert WalkProfile().edge_length_m(graph).tolist() == [100.0, -1.0, -1.0, 100.0]


def test_wheelchair_excludes_steps_and_penalises_surfaces() -> None:
    flags = [0, FLAG_STEPS, FLAG_UNKNOWN_SURFACE, FLAG_KERB_UNKNOWN, FLAG_BAD_SURFACE,
             FLAG_BAD_SURFACE | FLAG_UNKNOWN_SURFACE]
    graph = _line([100.0] * 6, edge_flags=flags)
    wc = WheelchairProfile(speed_mps=1.0, unknown_penalty_s=30, bad_surface_penalty_s=120)
    assert wc.edge_cost_s(graph).tolist() == [100, -1, 130, 130, 220, 220]
    assert WalkProfile(speed_mps=1.0).edge_cost_s(graph).tolist() == [100] * 6


def test_invalid_profiles_name_the_field() -> None:
    with pytest.raises(InvalidRequestError, match="speed_mps"):
        WalkProfile(speed_mps=0.0)
    with pytest.raises(InvalidRequestError, match="unknown_penalty_s"):
        WheelchairProfile(unknown_penalty_s=-1)
    with pytest.raises(InvalidRequestError, match="'boat'"):
        profile_for_mode("boat")


def test_profile_for_mode_and_hashability() -> None:
    assert profile_for_mode("WALK", speed_mps=1.1) == WalkProfile(speed_mps=1.1)
    assert profile_for_mode("car") == CarProfile()
    assert len({WalkProfile(), WalkProfile(), BikeProfile(), WheelchairProfile()}) == 3
