"""Access and egress to stops: bounded search plus each stop's own link cost."""

from __future__ import annotations

import numpy as np
import pytest

from routing.errors import InvalidRequestError
from routing.street.profiles import WalkProfile
from routing.street.search import StreetRouter, stops_within
from routing.street_graph import StopLinks
from tests.routing.street.oracle import random_graph, scipy_dist
from tests.support.grid import build_street_grid


def _links(node_a: list[int], node_b: list[int], da: list[float], db: list[float]) -> StopLinks:
    return StopLinks(
        node_a=np.asarray(node_a, np.int32), node_b=np.asarray(node_b, np.int32),
        dist_a_m=np.asarray(da, float), dist_b_m=np.asarray(db, float),
        snap_m=np.zeros(len(node_a)),
    )


def test_stops_on_a_line_hand_computed() -> None:
    # 1 x 6 line of 100 m blocks, walking at 1 m/s.
    graph = build_street_grid(1, 6, 100.0)
    router = StreetRouter(graph)
    state = router.new_state()
    links = _links(
        node_a=[1, 3, 4, -1, 5],
        node_b=[2, 4, 5, -1, 4],
        da=[20.0, 90.0, 10.0, 0.0, 0.0],
        db=[80.0, 10.0, 90.0, 0.0, 100.0],
    )
    walk = WalkProfile(speed_mps=1.0)
    stops, cost = stops_within(state, graph, walk, ([0], None), 410.0, links)
    # stop 0: via node 1 = 100 + 20; stop 1: via node 4 = 400 + 10 (better than 300 + 90)
    # stop 2: via node 4 = 400 + 10; stop 3 has no link; stop 4: node 5 is at 500 > limit
    assert stops.tolist() == [0, 1, 2]
    assert cost.tolist() == [120, 390, 410]
    assert stops.dtype == np.int32 and cost.dtype == np.int32
    # egress: cost from each stop to node 0 (two-way streets: the same numbers)
    stops_r, cost_r = router.stops_within(walk, [0], None, 410.0, links, state=state,
                                          reverse=True)
    assert stops_r.tolist() == [0, 1, 2] and cost_r.tolist() == [120, 390, 410]


def test_stops_within_matches_scipy_on_random_graph() -> None:
    rng = np.random.default_rng(8)
    graph = random_graph(rng, 400, 1500)
    router = StreetRouter(graph)
    state = router.new_state()
    walk = WalkProfile()
    n_stops = 60
    a = rng.integers(0, graph.n_nodes, n_stops)
    b = rng.integers(0, graph.n_nodes, n_stops)
    a[:5] = -1
    da = rng.uniform(0, 80, n_stops)
    db = rng.uniform(0, 80, n_stops)
    links = _links(a.tolist(), b.tolist(), da.tolist(), db.tolist())
    cost = router.edge_cost_s(walk)
    limit = 600.0
    src, init = [3, 17], [12.0, 40.0]
    for reverse in (False, True):
        d = scipy_dist(graph, cost, src, init, reverse=reverse)
        la = np.floor(da / walk.speed_mps + 0.5)
        lb = np.floor(db / walk.speed_mps + 0.5)
        best = np.minimum(d[np.maximum(a, 0)] + la, d[b] + lb)
        best[a < 0] = np.inf
        expect = np.flatnonzero(best <= limit)
        stops, got = router.stops_within(walk, src, init, limit, links, state=state,
                                         reverse=reverse)
        assert stops.tolist() == expect.tolist()
        np.testing.assert_array_equal(got, best[expect])


def test_bad_sources_are_rejected_with_the_value() -> None:
    router = StreetRouter(build_street_grid(2, 2, 100.0))
    state = router.new_state()
    with pytest.raises(InvalidRequestError, match="out of range"):
        router.one_to_many(WalkProfile(), [7], state=state)
    with pytest.raises(InvalidRequestError, match="initial costs"):
        router.one_to_many(WalkProfile(), [0, 1], [1.0], state=state)
    with pytest.raises(InvalidRequestError, match="sized for"):
        router.one_to_many(WalkProfile(), [0], state=StreetRouter(build_street_grid(3, 3))
                           .new_state())
