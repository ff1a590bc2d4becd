"""Street search kernels against scipy.sparse.csgraph, networkx and optimality certificates.

Random graphs include isolated nodes, self-loops, parallel edges, one-way edges and zero-length
edges.  Dijkstra, A*, bounded and reverse searches must give scipy's distances exactly (integer
seconds) or to float precision (metres), and their labels must carry a valid certificate.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.street.profiles import (
    BikeProfile,
    CarProfile,
    StreetProfile,
    WalkProfile,
    WheelchairProfile,
)
from routing.street.search import StreetRouter
from routing.street_graph import StreetGraph
from tests.routing.street.oracle import check_certificate, random_graph, scipy_dist
from tests.support.grid import build_street_graph

PROFILES: list[StreetProfile] = [
    WalkProfile(),
    BikeProfile(),
    CarProfile(),
    WheelchairProfile(),
]


@pytest.mark.parametrize("geometric", [True, False])
@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize("seed", range(4))
def test_dijkstra_and_astar_equal_scipy(seed: int, profile: StreetProfile, geometric: bool) -> None:
    rng = np.random.default_rng(seed)
    graph = random_graph(rng, 300, 900, geometric=geometric)
    router = StreetRouter(graph)
    state = router.new_state()
    cost = router.edge_cost_s(profile)
    for src in rng.integers(0, graph.n_nodes, 4).tolist():
        expect = scipy_dist(graph, cost, [src])
        router.run(profile, [src], state=state)
        np.testing.assert_array_equal(state.dist, expect)
        check_certificate(graph, cost, state.dist, state.parent_edge, sources=[src], src_cost=[0.0])
        for dst in rng.integers(0, graph.n_nodes, 6).tolist():
            for astar in (False, True):
                got = router.shortest_cost(profile, src, dst, state=state, astar=astar)
                assert (got if got is not None else np.inf) == expect[dst]
                # every node the search settled has its exact label
                settled = state.heap_pos == -2
                np.testing.assert_array_equal(state.dist[settled], expect[settled])


def test_astar_settles_fewer_nodes_on_geometric_graph() -> None:
    rng = np.random.default_rng(7)
    graph = random_graph(rng, 2000, 8000, geometric=True)
    router = StreetRouter(graph)
    state = router.new_state()
    profile = WalkProfile()
    assert router.compiled(profile).h_scale > 0
    dijkstra_settled = astar_settled = 0
    for src, dst in rng.integers(0, 1800, (20, 2)).tolist():
        a = router.shortest_cost(profile, src, dst, state=state, astar=False)
        dijkstra_settled += state.settled
        b = router.shortest_cost(profile, src, dst, state=state, astar=True)
        astar_settled += state.settled
        assert a == b
    assert astar_settled < dijkstra_settled


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize("reverse", [False, True])
def test_bounded_multi_source_equals_scipy(profile: StreetProfile, reverse: bool) -> None:
    rng = np.random.default_rng(11)
    graph = random_graph(rng, 400, 1400)
    router = StreetRouter(graph)
    state = router.new_state()
    cost = router.edge_cost_s(profile)
    for limit in (0.0, 60.0, 300.0, 1200.0):
        sources = rng.integers(0, graph.n_nodes, 3).tolist()
        init = rng.integers(0, 90, 3).astype(float).tolist()
        expect = scipy_dist(graph, cost, sources, init, reverse=reverse, limit=limit)
        reached = router.one_to_many(
            profile, sources, init, state=state, limit=limit, reverse=reverse
        )
        np.testing.assert_array_equal(state.dist, expect)
        got = np.full(graph.n_nodes, np.inf)
        got[reached.node_idx] = reached.cost
        np.testing.assert_array_equal(got, expect)
        assert reached.cost.dtype == np.int32
        assert np.all(np.diff(reached.cost) >= 0), "nodes come out in settling order"
        if not reverse:
            check_certificate(
                graph, cost, state.dist, state.parent_edge,
                sources=sources, src_cost=init, limit=limit,
            )


@pytest.mark.parametrize("reverse", [False, True])
def test_distance_metric_equals_scipy_to_float_precision(reverse: bool) -> None:
    rng = np.random.default_rng(3)
    graph = random_graph(rng, 300, 1000)
    router = StreetRouter(graph)
    state = router.new_state()
    profile = WalkProfile()
    length = router.compiled(profile, "distance").cost
    for src in rng.integers(0, graph.n_nodes, 5).tolist():
        expect = scipy_dist(graph, length, [src], reverse=reverse, limit=2500.0)
        reached = router.one_to_many(
            profile, [src], state=state, limit=2500.0, reverse=reverse, metric="distance"
        )
        got = np.full(graph.n_nodes, np.inf)
        got[reached.node_idx] = reached.cost
        np.testing.assert_allclose(got, expect, rtol=1e-12, atol=1e-9)
        dst = int(rng.integers(0, graph.n_nodes))
        d = router.shortest_cost(profile, src, dst, state=state, metric="distance")
        full = scipy_dist(graph, length, [src], reverse=reverse)
        if not reverse:
            assert (d if d is not None else np.inf) == pytest.approx(full[dst], rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_networkx_oracle(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    graph = random_graph(rng, 120, 400)
    router = StreetRouter(graph)
    state = router.new_state()
    profile = CarProfile()
    cost = router.edge_cost_s(profile)
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    tail = graph.tail()
    for e in np.flatnonzero(cost >= 0).tolist():
        g.add_edge(int(tail[e]), int(graph.head[e]), weight=int(cost[e]))
    for src in rng.integers(0, graph.n_nodes, 5).tolist():
        expect = nx.single_source_dijkstra_path_length(g, src, weight="weight")
        reached = router.one_to_many(profile, [src], state=state)
        assert dict(zip(reached.node_idx.tolist(), reached.cost.tolist(), strict=True)) == expect


def _graph_from_lists(
    n: int, edges: list[tuple[int, int, float]], coords: list[tuple[int, int]]
) -> StreetGraph:
    tail = [e[0] for e in edges]
    head = [e[1] for e in edges]
    length = [e[2] for e in edges]
    lat = [45.75 + c[0] * 1e-3 for c in coords[:n]]
    lon = [21.22 + c[1] * 1e-3 for c in coords[:n]]
    return build_street_graph(lat, lon, tail, head, length)


@st.composite
def small_graphs(draw: st.DrawFn) -> tuple[StreetGraph, int, int, int]:
    n = draw(st.integers(1, 25))
    node = st.integers(0, n - 1)
    edges = draw(
        st.lists(
            st.tuples(node, node, st.sampled_from([0.0, 0.4, 1.0, 10.0, 55.5, 133.0, 400.0])),
            max_size=70,
        )
    )
    coords = draw(
        st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=n, max_size=n)
    )
    return _graph_from_lists(n, edges, coords), draw(node), draw(node), draw(st.integers(0, 400))


@settings(max_examples=150, deadline=None)
@given(small_graphs())
def test_hypothesis_small_graphs(case: tuple[StreetGraph, int, int, int]) -> None:
    graph, src, dst, limit = case
    router = StreetRouter(graph)
    state = router.new_state()
    profile = WalkProfile()
    cost = router.edge_cost_s(profile)
    expect = scipy_dist(graph, cost, [src])
    for astar in (False, True):
        got = router.shortest_cost(profile, src, dst, state=state, astar=astar)
        assert (got if got is not None else np.inf) == expect[dst]
    router.one_to_many(profile, [src], state=state, limit=limit)
    np.testing.assert_array_equal(state.dist, scipy_dist(graph, cost, [src], limit=limit))
    check_certificate(
        graph, cost, state.dist, state.parent_edge, sources=[src], src_cost=[0.0], limit=limit
    )
    path = router.shortest_path(profile, src, dst, state=state)
    if path is not None:
        assert path.start_node == src
        assert path.end_node == dst
        assert path.duration_s == int(cost[path.edge_idx].sum())


def test_state_reuse_clears_only_previous_labels() -> None:
    rng = np.random.default_rng(5)
    graph = random_graph(rng, 200, 700)
    router = StreetRouter(graph)
    state = router.new_state()
    profile = WalkProfile()
    router.one_to_many(profile, [0], state=state)
    state.reset()
    assert np.all(np.isinf(state.dist))
    assert np.all(state.parent_edge == -1)
    assert np.all(state.heap_pos == -1)
    # a search after an interrupted A* (heap left non-empty) is still exact
    cost = router.edge_cost_s(profile)
    router.shortest_cost(profile, 1, 2, state=state)
    router.run(profile, [3], state=state)
    np.testing.assert_array_equal(state.dist, scipy_dist(graph, cost, [3]))


@settings(max_examples=150, deadline=None)
@given(
    small_graphs(),
    st.lists(st.tuples(st.integers(0, 24), st.floats(0.0, 50.0)), min_size=1, max_size=4),
    st.booleans(),
)
def test_bucket_queue_fractional_sources_equal_scipy(
    case: tuple[StreetGraph, int, int, int], srcs: list[tuple[int, float]], reverse: bool
) -> None:
    """Bounded searches in seconds run the bucket queue; fractional source costs with zero-cost
    edges re-expand nodes inside a bucket, and must still give scipy's labels exactly."""
    graph, _, _, limit = case
    sources = [s % graph.n_nodes for s, _ in srcs]
    init = [c for _, c in srcs]
    router = StreetRouter(graph)
    state = router.new_state()
    profile = WalkProfile()
    cost = router.edge_cost_s(profile)
    reached = router.one_to_many(
        profile, sources, init, state=state, limit=float(limit), reverse=reverse
    )
    expect = scipy_dist(graph, cost, sources, init, reverse=reverse, limit=float(limit))
    np.testing.assert_array_equal(state.dist, expect)
    assert sorted(reached.node_idx.tolist()) == np.flatnonzero(np.isfinite(expect)).tolist()
    assert np.all(np.diff(reached.cost) >= 0), "whole seconds never decrease in settling order"
    if not reverse:
        check_certificate(
            graph, cost, state.dist, state.parent_edge,
            sources=sources, src_cost=init, limit=float(limit),
        )


def test_bucket_queue_grows_its_entries_and_leaves_buckets_empty() -> None:
    from routing.street.search import _OUT_OF_ENTRIES, _search_buckets

    rng = np.random.default_rng(9)
    graph = random_graph(rng, 200, 800)
    router = StreetRouter(graph)
    state = router.new_state()
    profile = WalkProfile()
    cost = router.edge_cost_s(profile)
    src = np.array([0], np.int32)
    state.ensure_buckets(3601, 4)
    got = _search_buckets(
        router._first_out, router._head, cost, src, np.zeros(1), 3600.0, state.dist,
        state.parent_edge, state.heap_pos, state.touched, state.n_touched, state.order,
        state.bucket_head, state.ent_node[:4], state.ent_next[:4], state.ent_key[:4],
    )
    expect = scipy_dist(graph, cost, [0], limit=3600.0)
    assert np.isfinite(expect).sum() > 4, "the source must reach more nodes than 4 entries hold"
    assert got == _OUT_OF_ENTRIES
    assert np.all(state.bucket_head == -1), "an aborted search leaves no entry behind"
    router.one_to_many(profile, [0], state=state, limit=3600.0)
    np.testing.assert_array_equal(state.dist, expect)
