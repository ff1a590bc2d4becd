"""Street search on the real Timisoara OSM graph: exact against scipy, A* = Dijkstra."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routing.street.profiles import CarProfile, StreetProfile, WalkProfile, WheelchairProfile
from routing.street.search import StreetRouter
from routing.street_graph import FLAG_STEPS, StreetGraph
from tests.routing.street.oracle import check_certificate, scipy_dist

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def timisoara(shared_data: Path) -> StreetGraph:
    from feeds.osm import read_osm_pbf

    pbf = shared_data / "timisoara" / "osm" / "timisoara.osm.pbf"
    if not pbf.is_file():
        pytest.skip(f"shared data file absent: {pbf.name}")
    graph, _ = read_osm_pbf(pbf)
    return graph


@pytest.mark.parametrize("profile", [WalkProfile(), CarProfile(), WheelchairProfile()],
                         ids=lambda p: p.name)
def test_real_graph_matches_scipy(timisoara: StreetGraph, profile: StreetProfile) -> None:
    router = StreetRouter(timisoara)
    state = router.new_state()
    cost = router.edge_cost_s(profile)
    rng = np.random.default_rng(2024)
    usable_tails = np.unique(router.edge_tail()[cost >= 0])
    for src in rng.choice(usable_tails, 3).tolist():
        expect = scipy_dist(timisoara, cost, [src])
        router.run(profile, [src], state=state)
        np.testing.assert_array_equal(state.dist, expect)
        check_certificate(timisoara, cost, state.dist, state.parent_edge,
                          sources=[src], src_cost=[0.0])
        for dst in rng.choice(usable_tails, 10).tolist():
            path = router.shortest_path(profile, src, dst, state=state, astar=True)
            if not np.isfinite(expect[dst]):
                assert path is None
                continue
            assert path is not None
            assert path.duration_s == expect[dst]
            assert path.duration_s == int(cost[path.edge_idx].sum())
            assert path.length_m == pytest.approx(float(timisoara.length_m[path.edge_idx].sum()))
            if isinstance(profile, WheelchairProfile):
                assert not np.any(timisoara.edge_flags[path.edge_idx] & FLAG_STEPS)
    # bounded access search, 10 minutes of walking, equals scipy with a limit
    src = int(usable_tails[0])
    reached = router.one_to_many(profile, [src], state=state, limit=600.0)
    got = np.full(timisoara.n_nodes, np.inf)
    got[reached.node_idx] = reached.cost
    np.testing.assert_array_equal(got, scipy_dist(timisoara, cost, [src], limit=600.0))
