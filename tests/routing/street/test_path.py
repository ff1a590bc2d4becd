"""Path reconstruction: node -> edge sequence -> concatenated geometry, length and duration."""

from __future__ import annotations

import numpy as np

from routing.street.profiles import WalkProfile
from routing.street.search import StreetRouter, get_router, nearest_node, shortest_path
from tests.routing.street.oracle import random_graph
from tests.support.grid import build_street_grid


def test_grid_path_geometry_and_geojson() -> None:
    graph = build_street_grid(5, 5, 100.0)
    router = StreetRouter(graph)
    state = router.new_state()
    path = router.shortest_path(WalkProfile(speed_mps=1.0), 0, 24, state=state)
    assert path is not None
    # 8 edges of 3-point geometries sharing their end points: 1 + 8 * 2 points
    assert len(path.lat) == 17
    assert (path.lat[0], path.lon[0]) == (graph.node_lat[0], graph.node_lon[0])
    assert (path.lat[-1], path.lon[-1]) == (graph.node_lat[24], graph.node_lon[24])
    assert path.length_m == 800.0
    assert path.duration_s == 800
    # consecutive edges chain head -> tail
    tail = graph.tail()
    assert np.all(graph.head[path.edge_idx[:-1]] == tail[path.edge_idx[1:]])
    gj = path.geojson()
    assert gj["type"] == "LineString"
    assert gj["coordinates"][0] == [graph.node_lon[0], graph.node_lat[0]]
    assert gj["coordinates"][-1] == [graph.node_lon[24], graph.node_lat[24]]


def test_zero_edge_path_is_a_valid_linestring() -> None:
    graph = build_street_grid(2, 2, 100.0)
    router = StreetRouter(graph)
    path = router.shortest_path(WalkProfile(), 3, 3, state=router.new_state())
    assert path is not None
    assert path.edge_idx.size == 0 and path.length_m == 0.0 and path.duration_s == 0
    assert len(path.geojson()["coordinates"]) == 2


def test_random_paths_length_and_endpoints() -> None:
    rng = np.random.default_rng(21)
    graph = random_graph(rng, 300, 1200)
    router = StreetRouter(graph)
    state = router.new_state()
    profile = WalkProfile()
    cost = router.edge_cost_s(profile)
    found = 0
    for src, dst in rng.integers(0, 270, (40, 2)).tolist():
        path = router.shortest_path(profile, src, dst, state=state)
        if path is None:
            continue
        found += 1
        assert path.start_node == src and path.end_node == dst
        assert path.length_m == float(np.sum(graph.length_m[path.edge_idx]))
        assert path.duration_s == int(np.sum(cost[path.edge_idx]))
        assert (path.lat[0], path.lon[-1]) == (graph.node_lat[src], graph.node_lon[dst])
        assert path.lat.shape == path.lon.shape
        # reverse search towards dst gives the same cost and a path ending at dst
        router.run(profile, [dst], state=state, reverse=True)
        back = router.path_to(state, src)
        assert back is not None
        assert back.start_node == src and back.end_node == dst
        assert back.duration_s == path.duration_s
        assert back.duration_s == int(np.sum(cost[back.edge_idx]))
    assert found > 10


def test_module_level_api_and_nearest_node() -> None:
    graph = build_street_grid(4, 4, 100.0)
    router = get_router(graph)
    assert get_router(graph) is router
    state = router.new_state()
    path = shortest_path(graph, WalkProfile(speed_mps=1.0), 0, 15, state=state)
    assert path is not None and path.duration_s == 600
    # 30 m east of node 5 is closest to node 5
    lat = float(graph.node_lat[5])
    lon = float(graph.node_lon[5] + (graph.node_lon[6] - graph.node_lon[5]) * 0.3)
    assert nearest_node(graph, lat, lon) == 5
    assert router.nearest_node(lat, lon, max_m=20.0) is None
    assert router.nearest_node(lat, lon, max_m=40.0) == 5
