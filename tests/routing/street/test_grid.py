"""Hand-computed travel times on synthetic grids; one-way streets and wheelchair step-free paths."""

from __future__ import annotations

import numpy as np
import pytest

from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK
from routing.street.profiles import CarProfile, WalkProfile, WheelchairProfile
from routing.street.search import StreetRouter
from routing.street_graph import FLAG_STEPS
from tests.support.grid import build_street_graph, build_street_grid, grid_coordinates


@pytest.mark.parametrize("astar", [False, True])
def test_corner_to_corner_10x10_grid(astar: bool) -> None:
    router = StreetRouter(build_street_grid(10, 10, 100.0))
    state = router.new_state()
    walk = WalkProfile(speed_mps=1.25)  # 100 m block = 80 s
    path = router.shortest_path(walk, 0, 99, state=state, astar=astar)
    assert path is not None
    assert path.length_m == 1800.0
    assert path.duration_s == 18 * 80
    dist = router.shortest_path(walk, 0, 99, state=state, astar=astar, metric="distance")
    assert dist is not None and dist.duration_s == 1800.0
    # a Manhattan path: 9 steps east and 9 north, in some order
    assert len(path.edge_idx) == 18
    car = router.shortest_path(CarProfile(), 99, 0, state=state, astar=astar)
    assert car is not None and car.duration_s == 18 * 10  # 100 m at 10 m/s


def test_walk_isochrone_on_grid_is_a_diamond() -> None:
    router = StreetRouter(build_street_grid(21, 21, 100.0))
    state = router.new_state()
    centre = 10 * 21 + 10
    reached = router.one_to_many(WalkProfile(speed_mps=1.0), [centre], state=state, limit=500)
    rows, cols = np.divmod(reached.node_idx, 21)
    manhattan = np.abs(rows - 10) + np.abs(cols - 10)
    np.testing.assert_array_equal(reached.cost, manhattan * 100)
    # all nodes within 5 blocks: 1 + 4 * (1 + 2 + 3 + 4 + 5)
    assert len(reached.node_idx) == 61


def test_snapped_point_as_two_weighted_sources() -> None:
    # A point 30 m along the edge 0 -> 1 of a 1 x 3 line: sources (0, 30 s) and (1, 70 s).
    router = StreetRouter(build_street_grid(1, 3, 100.0))
    state = router.new_state()
    reached = router.one_to_many(WalkProfile(speed_mps=1.0), [0, 1], [30, 70], state=state)
    assert dict(zip(reached.node_idx.tolist(), reached.cost.tolist(), strict=True)) == {
        0: 30, 1: 70, 2: 170,
    }


def test_one_way_respected_by_car_not_by_walk() -> None:
    # 0 -> 1 is a short one-way street (car bit only forwards); the way back is a 3-block detour.
    lat, lon = grid_coordinates(2, 2, 100.0)
    both = ACCESS_WALK | ACCESS_BIKE | ACCESS_CAR
    tail = [0, 1, 0, 2, 2, 3, 3, 1]
    head = [1, 0, 2, 0, 3, 2, 1, 3]
    access = [both, ACCESS_WALK | ACCESS_BIKE, both, both, both, both, both, both]
    graph = build_street_graph(lat, lon, tail, head, [100.0] * 8, access=access,
                               car_speed_mps=10.0)
    router = StreetRouter(graph)
    state = router.new_state()
    assert router.shortest_cost(CarProfile(), 0, 1, state=state) == 10
    assert router.shortest_cost(CarProfile(), 1, 0, state=state) == 30
    walk = WalkProfile(speed_mps=1.0)
    assert router.shortest_cost(walk, 1, 0, state=state) == 100
    # reverse search: cost from every node TO node 0 by car
    reached = router.one_to_many(CarProfile(), [0], state=state, reverse=True)
    assert dict(zip(reached.node_idx.tolist(), reached.cost.tolist(), strict=True)) == {
        0: 0, 2: 10, 3: 20, 1: 30,
    }


def test_wheelchair_never_uses_steps() -> None:
    # Straight line 0-1-2 where 1-2 is a flight of steps; the detour 1-3-4-2 is step-free.
    lat, lon = grid_coordinates(2, 3, 50.0)
    # nodes: 0 1 2 (row 0), 3 4 5 (row 1)
    pairs = [(0, 1, 0), (1, 2, FLAG_STEPS), (1, 4, 0), (4, 5, 0), (5, 2, 0)]
    tail = [a for a, _, _ in pairs] + [b for _, b, _ in pairs]
    head = [b for _, b, _ in pairs] + [a for a, _, _ in pairs]
    flags = [f for *_, f in pairs] * 2
    graph = build_street_graph(lat, lon, tail, head, [50.0] * 10, edge_flags=flags)
    router = StreetRouter(graph)
    state = router.new_state()
    walk = router.shortest_path(WalkProfile(speed_mps=1.0), 0, 2, state=state)
    wc = router.shortest_path(WheelchairProfile(speed_mps=1.0), 0, 2, state=state)
    assert walk is not None and wc is not None
    assert walk.node_idx.tolist() == [0, 1, 2]
    assert wc.node_idx.tolist() == [0, 1, 4, 5, 2]
    assert wc.duration_s == 200
    assert not np.any(graph.edge_flags[wc.edge_idx] & FLAG_STEPS)
    # an isolated flight of steps makes the far side unreachable for a wheelchair
    only_steps = build_street_graph(lat[:2], lon[:2], [0, 1], [1, 0], [50.0, 50.0],
                                    edge_flags=FLAG_STEPS)
    r2 = StreetRouter(only_steps)
    assert r2.shortest_path(WheelchairProfile(), 0, 1, state=r2.new_state()) is None
