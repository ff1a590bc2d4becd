"""Feature: shared vehicles and EV charging in plans (bike share, car share, charger choice).

A 10 x 10 grid of 100 m blocks (``tests.support.grid``), walking 1.33 m/s, bikes 4.17 m/s,
cars 10 m/s. Origin near node 0 (south-west corner), destination near node 99 (north-east).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from routing.planner.request import Mode, Place, PlanRequest
from routing.shared_mobility import (
    BIKE_DOCK_S,
    BIKE_UNLOCK_S,
    CarFleet,
    Chargers,
    DockSystem,
    SharedMobility,
    SharedRouter,
    Tariff,
)
from routing.street import StreetRouter
from tests.support.grid import build_street_grid, grid_coordinates

N = 10
LAT, LON = grid_coordinates(N, N, 100.0)


def node(r: int, c: int) -> int:
    return r * N + c


@pytest.fixture(scope="module")
def shared() -> SharedRouter:
    return SharedRouter(StreetRouter(build_street_grid(N, N, 100.0, midpoints=False)))


def req(modes: set[Mode], a: int = 0, b: int = 99, **kw: object) -> PlanRequest:
    return PlanRequest(origin=Place(float(LAT[a]), float(LON[a])),
                       destination=Place(float(LAT[b]), float(LON[b])), day=739000,
                       time_s=8 * 3600, modes=frozenset(modes), **kw)  # type: ignore[arg-type]


def docks(nodes: list[int], rent: list[bool], ret: list[bool], *, fresh: bool = True
          ) -> DockSystem:
    n = np.array(nodes, np.int32)
    return DockSystem(key="bs", mode="BIKESHARE", lat=LAT[n], lon=LON[n], node=n,
                      can_rent=np.array(rent), can_return=np.array(ret),
                      names=tuple(f"S{i}" for i in range(len(nodes))),
                      tariff=Tariff("RON", unlock=1.0, per_min=0.1), fresh=fresh)


def legs(it: object) -> list[str]:
    return [leg.mode for leg in it.legs]  # type: ignore[attr-defined]


def test_bikeshare_hand_worked_times(shared: SharedRouter) -> None:
    # stations at (0,1) and (9,8): walk 100 m, ride 1600 m, walk 100 m
    sys = docks([node(0, 1), node(9, 8)], [True, True], [True, True])
    it = shared.bikeshare(req({Mode.BIKESHARE}), sys)
    assert it is not None and legs(it) == ["WALK", "BIKESHARE", "WALK"]
    walk = math.floor(100 / 1.33 + 0.5)  # edges round half up to whole seconds
    ride = math.floor(100 / 4.17 + 0.5) * 16
    assert it.legs[0].duration_s == walk and it.legs[2].duration_s == walk
    assert it.legs[1].duration_s == ride + BIKE_UNLOCK_S + BIKE_DOCK_S
    assert it.legs[1].extra["from_name"] == "S0" and it.legs[1].extra["to_name"] == "S1"
    assert it.legs[1].extra["price"] == pytest.approx(1.0 + 0.1 * math.ceil(
        it.legs[1].duration_s / 60))
    assert it.legs[1].distance_m == pytest.approx(1600, abs=1)


def test_empty_station_is_never_a_pickup_and_full_station_never_a_dropoff(
        shared: SharedRouter) -> None:
    # S0 next to the origin is empty, S1 farther is rentable; S2 next to the destination is
    # full, S3 farther has docks
    sys = docks([node(0, 1), node(2, 2), node(9, 8), node(7, 7)],
                [False, True, True, True], [True, True, False, True])
    it = shared.bikeshare(req({Mode.BIKESHARE}), sys)
    assert it is not None
    assert it.legs[1].extra["from_name"] == "S1"
    assert it.legs[1].extra["to_name"] == "S3"
    none_rentable = docks([node(0, 1), node(9, 8)], [False, False], [True, True])
    assert shared.bikeshare(req({Mode.BIKESHARE}), none_rentable) is None
    none_free = docks([node(0, 1), node(9, 8)], [True, True], [False, False])
    assert shared.bikeshare(req({Mode.BIKESHARE}), none_free) is None


def test_stale_availability_is_ignored(shared: SharedRouter) -> None:
    sys = docks([node(0, 1), node(9, 8)], [True, True], [True, True], fresh=False)
    assert shared.bikeshare(req({Mode.BIKESHARE}), sys) is None
    assert shared.plan(req({Mode.BIKESHARE}), SharedMobility(bike_systems=(sys,))) == []


def fleet(nodes: list[int], range_m: list[float], *, allowed: np.ndarray | None = None,
          available: list[bool] | None = None) -> CarFleet:
    n = np.array(nodes, np.int32)
    return CarFleet(key="cs", lat=LAT[n], lon=LON[n], node=n,
                    range_m=np.array(range_m, float),
                    available=np.array(available or [True] * len(nodes)),
                    names=tuple(f"car{i}" for i in range(len(nodes))),
                    end_allowed_node=allowed, tariff=Tariff("EUR", per_min=0.3),
                    co2_g_km=0.0)


def test_carshare_no_parking_zone_is_never_the_end(shared: SharedRouter) -> None:
    allowed = np.ones(N * N, bool)
    # no parking on the destination's block and its neighbours: rows 8-9, cols 8-9
    for r in (8, 9):
        for c in (8, 9):
            allowed[node(r, c)] = False
    it = shared.carshare(req({Mode.CARSHARE}), fleet([node(0, 1)], [200_000.0],
                                                     allowed=allowed))
    assert it is not None and legs(it) == ["WALK", "CARSHARE", "WALK"]
    end = it.legs[1].geometry[-1]
    end_node = int(np.argmin((LAT - end[1]) ** 2 + (LON - end[0]) ** 2))
    assert allowed[end_node]
    # free parking everywhere: the car ends on the destination's node
    it2 = shared.carshare(req({Mode.CARSHARE}), fleet([node(0, 1)], [200_000.0]))
    assert it2 is not None and it2.legs[-1].duration_s == 0


def test_vehicle_with_too_little_range_is_not_offered(shared: SharedRouter) -> None:
    short = fleet([node(0, 1)], [1_000.0])
    assert shared.carshare(req({Mode.CARSHARE}), short) is None
    # two cars: the nearer has too little range, the farther one is taken
    two = fleet([node(0, 1), node(1, 1)], [1_000.0, 100_000.0])
    it = shared.carshare(req({Mode.CARSHARE}), two)
    assert it is not None and it.legs[1].extra["vehicle_id"] == "car1"
    reserved = fleet([node(0, 1)], [100_000.0], available=[False])
    assert shared.carshare(req({Mode.CARSHARE}), reserved) is None


def chargers(status: list[bool]) -> Chargers:
    n = np.array([node(9, 8), node(7, 9)], np.int32)
    avail = np.array([[s, False] for s in status])
    return Chargers(lat=LAT[n], lon=LON[n], node=n, connector_types=("IEC_62196_T2", "CHADEMO"),
                    available=avail, names=("Near", "Far"))


def test_available_charger_chosen_over_occupied(shared: SharedRouter) -> None:
    r = req({Mode.CAR}, ev_connector="IEC_62196_T2")
    # nearest charger occupied -> the farther available one
    it = shared.plan(r, SharedMobility(chargers=chargers([False, True])))
    assert len(it) == 1 and legs(it[0]) == ["CAR", "WALK"]
    assert it[0].legs[0].extra["to_name"] == "Far"
    it = shared.plan(r, SharedMobility(chargers=chargers([True, True])))
    assert it[0].legs[0].extra["to_name"] == "Near"
    # no charger with the connector available: no EV option
    assert shared.plan(req({Mode.CAR}, ev_connector="CHADEMO"),
                       SharedMobility(chargers=chargers([True, True]))) == []


def test_carshare_to_charger(shared: SharedRouter) -> None:
    r = req({Mode.CARSHARE}, ev_connector="IEC_62196_T2")
    out = shared.plan(r, SharedMobility(car_fleets=(fleet([node(0, 1)], [200_000.0]),),
                                        chargers=chargers([False, True])))
    assert len(out) == 1 and out[0].legs[1].extra["to_name"] == "Far"


def test_arrive_by_shifts_the_chain(shared: SharedRouter) -> None:
    sys = docks([node(0, 1), node(9, 8)], [True, True], [True, True])
    dep = shared.bikeshare(req({Mode.BIKESHARE}), sys)
    arr = shared.bikeshare(req({Mode.BIKESHARE}, arrive_by=True), sys)
    assert dep is not None and arr is not None
    assert arr.arr_s == 8 * 3600 and arr.duration_s == dep.duration_s
