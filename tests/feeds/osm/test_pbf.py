"""Feature: reading an OSM file into a street graph (splitting, access, pruning, reporting).

Files are tiny hand-written OSM XML (pyosmium reads it like ``.osm.pbf``) on a grid of
0.001-degree steps (see ``osm_xml``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from feeds.errors import FeedError
from feeds.osm import read_osm_pbf
from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK
from routing.street_graph import FLAG_STEPS, StreetGraph
from tests.feeds.osm.osm_xml import grid_lat_lon, write_osm

RES = {"highway": "residential"}


def _haversine_m(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Independent great-circle distance (metres) for the oracle."""
    r = 6_371_008.8
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, x)) for x in (p, q))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(
        (lo2 - lo1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def _edges(g: StreetGraph) -> dict[tuple[tuple[float, float], tuple[float, float]], int]:
    """Edge access bits keyed by (tail, head) coordinates rounded to the grid."""
    tail = g.tail()
    out = {}
    for e in range(g.n_edges):
        a = (round(g.node_lat[tail[e]], 6), round(g.node_lon[tail[e]], 6))
        b = (round(g.node_lat[g.head[e]], 6), round(g.node_lon[g.head[e]], 6))
        out[(a, b)] = out.get((a, b), 0) | int(g.access[e])
    return out


def _key(row: float, col: float) -> tuple[float, float]:
    lat, lon = grid_lat_lon(row, col)
    return round(lat, 6), round(lon, 6)


def test_ways_split_at_shared_nodes_only(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (0, 1), 3: (0, 2), 4: (0, 3), 5: (0, 4), 6: (-1, 2), 7: (1, 2)}
    path = write_osm(tmp_path / "x.osm", nodes, [
        (10, [1, 2, 3, 4, 5], {**RES, "name": "Strada A"}),
        (11, [6, 3, 7], {**RES, "name": "Strada B"}),
    ])
    g, report = read_osm_pbf(path)
    g.check_invariants()
    assert g.n_nodes == 5  # 1, 3, 5, 6, 7: nodes 2 and 4 are geometry only
    assert g.n_edges == 8
    assert report.rows_read["x.osm"] == 2
    tail = g.tail()
    for e in range(g.n_edges):
        lo, hi = int(g.geom_start[e]), int(g.geom_start[e + 1])
        pts = list(zip(g.geom_lat[lo:hi], g.geom_lon[lo:hi], strict=True))
        assert pts[0] == (g.node_lat[tail[e]], g.node_lon[tail[e]])
        assert pts[-1] == (g.node_lat[g.head[e]], g.node_lon[g.head[e]])
        expected = sum(_haversine_m(pts[i], pts[i + 1]) for i in range(len(pts) - 1))
        assert g.length_m[e] == pytest.approx(expected, rel=1e-9)
        way = int(g.edge_way[e])
        assert g.names[int(g.edge_name[e])] == {10: "Strada A", 11: "Strada B"}[way]
        assert hi - lo == (3 if way == 10 else 2)  # 1-2-3 / 3-4-5 carry a middle point


def test_oneway_forward_and_reverse(tmp_path: Path) -> None:
    # a one-way triangle loop: 1 -> 2 -> 3 -> 1 (the last way drawn backwards with oneway=-1)
    nodes = {1: (0, 0), 2: (0, 2), 3: (2, 1)}
    path = write_osm(tmp_path / "x.osm", nodes, [
        (10, [1, 2], {**RES, "oneway": "yes"}),
        (11, [2, 3], {**RES, "oneway": "1"}),
        (12, [1, 3], {**RES, "oneway": "-1"}),
    ])
    g, _ = read_osm_pbf(path)
    e = _edges(g)
    full = ACCESS_WALK | ACCESS_BIKE | ACCESS_CAR
    p1, p2, p3 = _key(0, 0), _key(0, 2), _key(2, 1)
    assert e[(p1, p2)] == full and e[(p2, p3)] == full and e[(p3, p1)] == full
    assert e[(p2, p1)] == ACCESS_WALK and e[(p3, p2)] == ACCESS_WALK
    assert e[(p1, p3)] == ACCESS_WALK


def test_access_no_and_foot_no(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (0, 1), 3: (1, 1), 4: (1, 0)}
    path = write_osm(tmp_path / "x.osm", nodes, [
        (10, [1, 2, 3], {"highway": "primary", "foot": "no"}),
        (11, [3, 4, 1], RES),
        (12, [2, 4], {**RES, "access": "no"}),
    ])
    g, report = read_osm_pbf(path)
    assert report.skipped[("x.osm", "not_routable")] == 1
    assert set(g.edge_way.tolist()) == {10, 11}
    primary = g.edge_way == 10
    assert np.all((g.access[primary] & ACCESS_WALK) == 0)
    assert np.all((g.access[primary] & ACCESS_CAR) != 0)
    assert np.all((g.access[~primary] & ACCESS_WALK) != 0)


def test_steps_and_maxspeed_on_edges(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (0, 1), 3: (1, 1)}
    path = write_osm(tmp_path / "x.osm", nodes, [
        (10, [1, 2], {**RES, "maxspeed": "20 mph"}),
        (11, [2, 3], {"highway": "steps"}),
        (12, [3, 1], {**RES, "maxspeed": "RO:urban"}),
    ])
    g, _ = read_osm_pbf(path)
    steps = g.edge_way == 11
    assert steps.sum() == 2
    assert np.all(g.edge_flags[steps] & FLAG_STEPS)
    assert not np.any(g.edge_flags[~steps] & FLAG_STEPS)
    np.testing.assert_allclose(g.car_speed_mps[g.edge_way == 10], 20 * 1.609344 / 3.6, rtol=1e-6)
    np.testing.assert_allclose(g.car_speed_mps[g.edge_way == 12], 50 / 3.6, rtol=1e-6)
    assert np.all(g.bike_factor[steps] < g.bike_factor[~steps].min())


def test_largest_strongly_connected_component_per_mode(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (0, 1), 3: (1, 1), 4: (1, 0), 5: (0, 3), 8: (9, 9), 9: (9, 10)}
    path = write_osm(tmp_path / "x.osm", nodes, [
        (10, [1, 2, 3, 4, 1], RES),                     # the main loop
        (11, [2, 5], {**RES, "oneway": "yes"}),         # cars can enter but never leave
        (12, [8, 9], RES),                              # an island far away
    ])
    g, report = read_osm_pbf(path)
    assert g.n_nodes == 3  # 1, 2 and 5 (3 and 4 are geometry); the island is gone, ids dense
    assert 12 not in g.edge_way.tolist()
    spur = g.edge_way == 11
    assert spur.sum() == 2  # kept for walking, both ways
    assert np.all((g.access[spur] & ACCESS_WALK) != 0)
    assert np.all((g.access[spur] & ACCESS_CAR) == 0)
    assert np.all((g.access[spur] & ACCESS_BIKE) == 0)
    assert report.info["car_edges_pruned"] == 1 + 2  # the spur + both island edges
    assert report.info["walk_edges_pruned"] == 2
    g.check_invariants()


def test_closed_way_with_one_junction_is_not_a_self_loop(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (0, 1), 3: (1, 1), 4: (1, 0), 5: (-1, 0)}
    path = write_osm(tmp_path / "x.osm", nodes, [
        (10, [1, 2, 3, 4, 1], RES),
        (11, [5, 1], RES),
    ])
    g, _ = read_osm_pbf(path)
    tail = g.tail()
    assert not np.any(tail == g.head)
    loop = g.edge_way == 10
    assert loop.sum() == 4  # split at its middle node 3: 1-2-3 and 3-4-1, both ways
    ring = [grid_lat_lon(r, c) for r, c in [(0, 0), (0, 1), (1, 1), (1, 0), (0, 0)]]
    perimeter = sum(_haversine_m(ring[i], ring[i + 1]) for i in range(4))
    assert g.length_m[loop].sum() == pytest.approx(2 * perimeter, rel=1e-9)


def test_area_skipped_and_missing_node_counted(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (0, 1), 3: (1, 1), 4: (1, 0)}
    path = write_osm(tmp_path / "x.osm", nodes, [
        (10, [1, 2, 3, 4, 1], RES),
        (11, [1, 2, 3, 4, 1], {"highway": "pedestrian", "area": "yes"}),
        (12, [2, 99, 4], RES),        # node 99 is not in the file: cut, nothing left
        (13, [98, 1, 3], RES),        # node 98 missing: the 1-3 part survives
    ])
    g, report = read_osm_pbf(path)
    assert report.skipped[("x.osm", "area")] == 1
    assert report.skipped[("x.osm", "unknown_node_ref")] == 2
    assert report.skipped[("x.osm", "no_valid_nodes")] == 1
    assert set(g.edge_way.tolist()) == {10, 13}
    assert (g.edge_way == 13).sum() == 2


def test_bbox_keeps_ways_touching_it(tmp_path: Path) -> None:
    nodes = {1: (0, 0), 2: (0, 1), 3: (1, 1), 4: (1, 0), 5: (50, 50), 6: (50, 51)}
    path = write_osm(tmp_path / "x.osm", nodes, [
        (10, [1, 2, 3, 4, 1], RES),
        (11, [5, 6], RES),
    ])
    lat0, lon0 = grid_lat_lon(-0.5, -0.5)
    lat1, lon1 = grid_lat_lon(1.5, 1.5)
    g, report = read_osm_pbf(path, bbox=(lon0, lat0, lon1, lat1))
    assert set(g.edge_way.tolist()) == {10}
    assert report.skipped[("x.osm", "outside_bbox")] == 1


def test_no_highways_is_a_feed_error(tmp_path: Path) -> None:
    path = write_osm(tmp_path / "empty.osm", {1: (0, 0), 2: (0, 1)},
                     [(10, [1, 2], {"building": "yes"})])
    with pytest.raises(FeedError, match=r"empty\.osm.*no highways"):
        read_osm_pbf(path)


def test_only_unroutable_highways_is_a_feed_error(tmp_path: Path) -> None:
    path = write_osm(tmp_path / "c.osm", {1: (0, 0), 2: (0, 1)},
                     [(10, [1, 2], {"highway": "construction"})])
    with pytest.raises(FeedError, match=r"c\.osm.*no routable highways"):
        read_osm_pbf(path)


def test_missing_file_is_a_feed_error(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="not found"):
        read_osm_pbf(tmp_path / "absent.osm.pbf")


def test_unreadable_file_is_a_feed_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"not a pbf at all")
    with pytest.raises(FeedError, match=r"broken\.osm\.pbf.*cannot read"):
        read_osm_pbf(path)
