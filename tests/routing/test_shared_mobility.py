"""Feature: shared vehicles and EV charging in plans (bike share, car share, charger choice).

A 10 x 10 grid of 100 m blocks (``tests.support.grid``), walking 1.33 m/s, bikes 4.17 m/s,
cars 10 m/s. Origin near node 0 (south-west corner), destination near node 99 (north-east).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest

from routing.network import Network, NetworkMeta
from routing.planner import Planner
from routing.planner.itinerary import Itinerary
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
from routing.street_graph import StopLinks
from tests.support.grid import build_street_grid, grid_coordinates
from tests.support.timetable_factory import DAY, TripSpec, build_timetable

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


# -- bike share as egress from transit ---------------------------------------------------------
# Stops A = node (0,0) and B = node (0,8) on the grid, one bus A 08:05 -> B 08:15. The origin is
# A; walking is capped at 300 s (4 blocks), so B -> (9,9) (1000 m, 750 s) cannot be walked and the
# only way is the bus, then bike share from (0,9) to (8,9). A bus back B 08:30 -> A 08:40 serves
# the mirror (bike share as access).


@pytest.fixture(scope="module")
def transit_grid() -> Planner:
    tt = build_timetable(["A", "B"], [TripSpec("R1", ["A", "B"], ["08:05", "08:15"]),
                                      TripSpec("R1", ["B", "A"], ["08:30", "08:40"])])
    at = np.array([node(0, 0), node(0, 8)], np.int32)
    tt = replace(tt, stop_lat=LAT[at], stop_lon=LON[at])
    zeros = np.zeros(2)
    links = StopLinks(node_a=at, node_b=np.full(2, -1, np.int32), dist_a_m=zeros,
                      dist_b_m=zeros, snap_m=zeros)
    meta = NetworkMeta(name="grid", timezone="Europe/Bucharest",
                       bbox=(float(LON.min()), float(LAT.min()), float(LON.max()),
                             float(LAT.max())))
    return Planner(Network(meta, tt, build_street_grid(N, N, 100.0, midpoints=False), links))


def transit_req(b: int = 99, *, modes: set[Mode] | None = None, time_s: int = 8 * 3600,
                **kw: object) -> PlanRequest:
    return PlanRequest(origin=Place(float(LAT[0]), float(LON[0])),
                       destination=Place(float(LAT[b]), float(LON[b])), day=DAY,
                       time_s=time_s, max_access_s=300,
                       modes=frozenset(modes or {Mode.TRANSIT, Mode.BIKESHARE}),
                       **kw)  # type: ignore[arg-type]


def assert_contiguous(it: Itinerary) -> None:
    assert it.dep_s == it.legs[0].dep_s and it.arr_s == it.legs[-1].arr_s
    for a, b in itertools.pairwise(it.legs):
        assert a.arr_s == b.dep_s, (a.mode, a.arr_s, b.mode, b.dep_s)
        assert a.to_lat == pytest.approx(b.from_lat) and a.to_lon == pytest.approx(b.from_lon)


WALK_BLOCK = math.floor(100 / 1.33 + 0.5)  # 75 s
RIDE_BLOCK = math.floor(100 / 4.17 + 0.5)  # 24 s
#: B (0,8) -> walk to (0,9) -> unlock -> ride 8 blocks to (8,9) -> dock -> walk to (9,9).
EGRESS_S = WALK_BLOCK + BIKE_UNLOCK_S + 8 * RIDE_BLOCK + BIKE_DOCK_S + WALK_BLOCK


def test_bikeshare_egress_hand_worked_times(transit_grid: Planner) -> None:
    sys = docks([node(0, 9), node(8, 9)], [True, True], [True, True])
    live = SharedMobility(bike_systems=(sys,))
    its = transit_grid.plan(transit_req(), shared=live)
    assert its, "no itinerary"
    it = its[0]  # (the next ones are the next days' buses)
    assert legs(it) == ["BUS", "WALK", "BIKESHARE", "WALK"]
    alight = 8 * 3600 + 15 * 60
    bus, walk_a, bike, walk_c = it.legs
    assert bus.arr_s == alight
    assert (walk_a.dep_s, walk_a.arr_s) == (alight, alight + WALK_BLOCK)
    assert bike.duration_s == BIKE_UNLOCK_S + 8 * RIDE_BLOCK + BIKE_DOCK_S
    assert walk_c.duration_s == WALK_BLOCK
    assert it.arr_s == alight + EGRESS_S
    assert_contiguous(it)
    assert bike.extra["from_name"] == "S0" and bike.extra["to_name"] == "S1"
    assert bike.distance_m == pytest.approx(800, abs=1)
    assert walk_a.from_stop == 1 and walk_a.distance_m == pytest.approx(100, abs=1)
    # geometry: the stop -> (0,9) -> (8,9) -> the destination
    assert tuple(walk_a.geometry[0]) == pytest.approx((LON[node(0, 8)], LAT[node(0, 8)]))
    assert tuple(walk_a.geometry[-1]) == pytest.approx(tuple(bike.geometry[0]))
    assert tuple(bike.geometry[0]) == pytest.approx((LON[node(0, 9)], LAT[node(0, 9)]))
    assert tuple(bike.geometry[-1]) == pytest.approx((LON[node(8, 9)], LAT[node(8, 9)]))
    assert tuple(walk_c.geometry[-1]) == pytest.approx((LON[99], LAT[99]))
    # the egress costs themselves: only B reaches the destination by bike share
    assert transit_grid.shared_router is not None and transit_grid.links is not None
    stops, costs, _ = transit_grid.shared_router.bikeshare_egress(transit_req(), sys,
                                                                  transit_grid.links)
    assert dict(zip(stops.tolist(), costs.tolist(), strict=True)) == {1: EGRESS_S}
    # without bike share there is no way at all
    assert transit_grid.plan(transit_req(modes={Mode.TRANSIT}), shared=live) == []


def test_bikeshare_egress_arrive_by_is_contiguous(transit_grid: Planner) -> None:
    sys = docks([node(0, 9), node(8, 9)], [True, True], [True, True])
    its = transit_grid.plan(transit_req(arrive_by=True, time_s=8 * 3600 + 30 * 60),
                            shared=SharedMobility(bike_systems=(sys,)))
    assert its and legs(its[0]) == ["BUS", "WALK", "BIKESHARE", "WALK"]
    assert its[0].arr_s == 8 * 3600 + 15 * 60 + EGRESS_S
    assert_contiguous(its[0])


def test_bikeshare_egress_never_empty_pickup_or_full_dropoff(transit_grid: Planner) -> None:
    # S0 at the stop is empty, S2 at the destination is full: the chain must use S1 -> S3
    sys = docks([node(0, 8), node(0, 9), node(9, 9), node(8, 9)],
                [False, True, True, True], [True, True, False, True])
    its = transit_grid.plan(transit_req(), shared=SharedMobility(bike_systems=(sys,)))
    assert its and legs(its[0]) == ["BUS", "WALK", "BIKESHARE", "WALK"]
    bike = its[0].legs[2]
    assert bike.extra["from_name"] == "S1" and bike.extra["to_name"] == "S3"
    assert its[0].arr_s == 8 * 3600 + 15 * 60 + EGRESS_S
    # were S0 rentable and S2 free, the chain would start at the stop and end at the door
    ok = docks([node(0, 8), node(0, 9), node(9, 9), node(8, 9)], [True] * 4, [True] * 4)
    best = transit_grid.plan(transit_req(), shared=SharedMobility(bike_systems=(ok,)))
    assert best[0].legs[2].extra["from_name"] == "S0"
    assert best[0].legs[2].extra["to_name"] == "S2"
    # no bike anywhere / no free dock anywhere / stale availability: no itinerary
    for bad in (docks([node(0, 9), node(8, 9)], [False, False], [True, True]),
                docks([node(0, 9), node(8, 9)], [True, True], [False, False]),
                docks([node(0, 9), node(8, 9)], [True, True], [True, True], fresh=False)):
        assert transit_grid.plan(transit_req(), shared=SharedMobility(bike_systems=(bad,))) == []


def test_docking_where_one_rents_is_not_a_bikeshare_egress(transit_grid: Planner) -> None:
    # one station at (0,9), destination (4,9): walk 75 + unlock + dock + walk 300 s would fit
    # in the chain's budget, but it rides nowhere
    sys = docks([node(0, 9)], [True], [True])
    assert transit_grid.plan(transit_req(node(4, 9)),
                             shared=SharedMobility(bike_systems=(sys,))) == []


def test_bikeshare_egress_legs_of_the_winning_system(transit_grid: Planner) -> None:
    # the second (slower) system searches last; the winner's legs must still be its own
    good = docks([node(0, 9), node(8, 9)], [True, True], [True, True])
    slow = replace(docks([node(1, 8), node(8, 8)], [True, True], [True, True]), key="slow",
                   names=("T0", "T1"))
    its = transit_grid.plan(transit_req(), shared=SharedMobility(bike_systems=(good, slow)))
    assert its, "no itinerary"
    bike = its[0].legs[2]
    assert (bike.extra["system"], bike.extra["from_name"], bike.extra["to_name"]) == (
        "bs", "S0", "S1")
    assert its[0].arr_s == 8 * 3600 + 15 * 60 + EGRESS_S
    assert_contiguous(its[0])


def test_bikeshare_access_legs_of_the_winning_system(transit_grid: Planner) -> None:
    # mirror: from (9,9) by bike share (8,9) -> (0,9) to B, bus back to A; a slower second
    # system searches last and must not lend its labels to the winner's legs
    good = docks([node(8, 9), node(0, 9)], [True, True], [True, True])
    slow = replace(docks([node(8, 8), node(1, 8)], [True, True], [True, True]), key="slow",
                   names=("T0", "T1"))
    r = PlanRequest(origin=Place(float(LAT[99]), float(LON[99])),
                    destination=Place(float(LAT[0]), float(LON[0])), day=DAY,
                    time_s=8 * 3600, max_access_s=300,
                    modes=frozenset({Mode.TRANSIT, Mode.BIKESHARE}))
    its = transit_grid.plan(r, shared=SharedMobility(bike_systems=(good, slow)))
    assert its and legs(its[0]) == ["WALK", "BIKESHARE", "WALK", "BUS"]
    bike = its[0].legs[1]
    assert (bike.extra["system"], bike.extra["from_name"], bike.extra["to_name"]) == (
        "bs", "S0", "S1")
    assert bike.duration_s == BIKE_UNLOCK_S + 8 * RIDE_BLOCK + BIKE_DOCK_S
    assert its[0].legs[0].duration_s == WALK_BLOCK
