"""Snapping a point to the street graph for a given profile: a car is never put on a footway,
nor into a pocket that closures cut off; the brute-force nearest usable node is the oracle."""

from __future__ import annotations

import numpy as np
import pytest

from routing.constants import ACCESS_CAR, ACCESS_WALK
from routing.street.profiles import CarProfile, WalkProfile
from routing.street.search import StreetRouter
from tests.support.grid import ALL_MODES, build_street_graph, build_street_grid


def _two_way(edges: list[tuple[int, int, int]]) -> tuple[list[int], list[int], list[int]]:
    tail, head, access = [], [], []
    for a, b, acc in edges:
        tail += [a, b]
        head += [b, a]
        access += [acc, acc]
    return tail, head, access


def test_car_snaps_to_road_not_footway() -> None:
    # road 0-1-2 along a street; node 3 is a footway end right next to the query point
    lat = [45.750, 45.750, 45.750, 45.7512]
    lon = [21.200, 21.202, 21.204, 21.202]
    tail, head, access = _two_way([(0, 1, ALL_MODES), (1, 2, ALL_MODES), (1, 3, ACCESS_WALK)])
    g = build_street_graph(lat, lon, tail, head, [150.0] * len(tail), access=access)
    router = StreetRouter(g)
    assert router.nearest_node(45.7513, 21.202) == 3
    assert router.nearest_node(45.7513, 21.202, profile=WalkProfile()) == 3
    assert router.nearest_node(45.7513, 21.202, profile=CarProfile()) == 1
    got = router.nearest_nodes([45.7513, 45.7500], [21.202, 21.2041], profile=CarProfile())
    assert got.tolist() == [1, 2]
    # nothing usable within reach
    assert router.nearest_node(45.7513, 21.202, max_m=10.0, profile=CarProfile()) is None


def test_closures_cut_pockets_out_of_car_snapping() -> None:
    g = build_street_grid(6, 6, 100.0, midpoints=False)
    router = StreetRouter(g)
    car = CarProfile()
    corner = 0  # node (0, 0); its two edges out and in are closed: a pocket of one node
    tail = router.edge_tail()
    head = np.asarray(g.head)
    closed = (tail == corner) | (head == corner)
    lat0, lon0 = float(g.node_lat[corner]), float(g.node_lon[corner])
    assert router.nearest_node(lat0, lon0, profile=car) == corner
    router.set_closed_edges("car", closed)
    snapped = router.nearest_node(lat0, lon0, profile=car)
    assert snapped is not None and snapped != corner
    # walking is not closed
    assert router.nearest_node(lat0, lon0, profile=WalkProfile()) == corner
    router.set_closed_edges("car", None)
    assert router.nearest_node(lat0, lon0, profile=car) == corner


@pytest.mark.parametrize("seed", range(5))
def test_profile_snapping_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    g = build_street_grid(8, 8, 120.0, midpoints=False)
    n_e = g.n_edges
    access = np.where(rng.random(n_e) < 0.3, ACCESS_WALK, ALL_MODES)
    g = build_street_graph(g.node_lat, g.node_lon, g.tail(), g.head, g.length_m, access=access)
    router = StreetRouter(g)
    car = CarProfile()
    usable = set(router.usable_nodes(car).tolist())
    # oracle: nodes of the largest strongly connected component of the car edges
    import networkx as nx

    dg = nx.DiGraph()
    t, h = router.edge_tail(), np.asarray(g.head)
    ok = (np.asarray(g.access) & ACCESS_CAR) != 0
    dg.add_edges_from(zip(t[ok].tolist(), h[ok].tolist(), strict=True))
    biggest = max(nx.strongly_connected_components(dg), key=len) if dg.number_of_nodes() else set()
    assert usable == set(biggest)
    x, y = router.plane_xy()
    for _ in range(30):
        lat = float(rng.uniform(g.node_lat.min(), g.node_lat.max()))
        lon = float(rng.uniform(g.node_lon.min(), g.node_lon.max()))
        got = router.nearest_node(lat, lon, profile=car)
        px, py = router._project(np.array([lat]), np.array([lon]))
        cand = np.array(sorted(usable))
        d = np.hypot(x[cand] - px[0], y[cand] - py[0])
        assert got is not None and np.isclose(np.hypot(x[got] - px[0], y[got] - py[0]), d.min())
