"""Feature: stop-to-stop walking footpaths (street graph vs networkx oracle; crow-fly fallback)
and their merge into the timetable's transfers."""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import numpy as np
import pytest

from routing.constants import (
    ACCESS_CAR,
    ACCESS_WALK,
    CROW_FLY_DETOUR,
    TRANSFER_FOOTPATH,
    TRANSFER_MIN_TIME,
)
from routing.errors import InvalidRequestError
from routing.footpaths import compute_footpaths, with_footpaths
from routing.street.snapping import link_stops
from routing.street_graph import StopLinks, StreetGraph
from routing.timetable import Timetable
from tests.routing.street.test_snapping import offset_m, random_streets
from tests.support.grid import build_street_graph
from tests.support.timetable_factory import TransferSpec, TripSpec, build_timetable


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(
        math.radians(lon2 - lon1) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def _oracle(g: StreetGraph, links: StopLinks, lat: np.ndarray, lon: np.ndarray,
            max_m: float) -> dict[tuple[int, int], float]:
    """Shortest walks with every street piece split at the stops' foot points (networkx)."""
    graph = nx.Graph()
    tail = g.tail()
    on_edge: dict[tuple[int, int], list[tuple[float, int]]] = defaultdict(list)
    length: dict[tuple[int, int], float] = {}
    for e in np.flatnonzero(g.access & ACCESS_WALK):
        u, v = int(tail[e]), int(g.head[e])
        key = (min(u, v), max(u, v))
        length[key] = float(g.length_m[e])
        graph.add_edge(("n", u), ("n", v), weight=float(g.length_m[e]))
    for s in np.flatnonzero(links.node_a >= 0):
        a, b = int(links.node_a[s]), int(links.node_b[s])
        from_lo = links.dist_a_m[s] if a < b else links.dist_b_m[s]
        on_edge[(min(a, b), max(a, b))].append((float(from_lo - links.snap_m[s]), int(s)))
        graph.add_edge(("s", int(s)), ("f", int(s)), weight=float(links.snap_m[s]))
    for (lo, hi), feet in on_edge.items():
        chain = [("n", lo)] + [("f", s) for _, s in sorted(feet)] + [("n", hi)]
        pos = [0.0] + [p for p, _ in sorted(feet)] + [length[(lo, hi)]]
        for k in range(len(chain) - 1):
            graph.add_edge(chain[k], chain[k + 1], weight=max(pos[k + 1] - pos[k], 0.0))
    out: dict[tuple[int, int], float] = {}
    for s in np.flatnonzero(links.node_a >= 0):
        reach = nx.single_source_dijkstra_path_length(graph, ("s", int(s)), cutoff=max_m)
        for node, d in reach.items():
            if node[0] == "s" and node[1] != s:
                out[(int(s), node[1])] = d
    n = lat.shape[0]
    for i in range(n):  # unlinked stops: crow-fly x detour, with every other stop
        for j in range(n):
            if i != j and (links.node_a[i] < 0 or links.node_a[j] < 0):
                d = _haversine_m(lat[i], lon[i], lat[j], lon[j]) * CROW_FLY_DETOUR
                if d <= max_m:
                    out[(i, j)] = d
    return out


def _as_dict(result: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[tuple[int, int], int]:
    f, t, m = result
    assert f.dtype == np.int32 and t.dtype == np.int32 and m.dtype == np.int32
    return {(int(a), int(b)): int(c) for a, b, c in zip(f, t, m, strict=True)}


@pytest.mark.parametrize(("seed", "max_m"), [(1, 500), (2, 300), (3, 800)])
def test_street_footpaths_match_networkx(seed: int, max_m: int) -> None:
    g = random_streets(seed)
    rng = np.random.default_rng(seed)
    # stops cluster on a few spots so that several share a street piece
    centres = rng.uniform(0, 1500, (15, 2))
    pts = centres[rng.integers(0, 15, 120)] + rng.normal(0, 60, (120, 2))
    pts[:5] = rng.uniform(2200, 2400, (5, 2))  # far from every street: crow-fly fallback
    lat, lon = offset_m(pts[:, 0], pts[:, 1])
    links = link_stops(g, lat, lon, max_snap_m=200.0)
    assert (links.node_a < 0).sum() >= 5
    got = _as_dict(compute_footpaths(g, links, lat, lon, max_m=max_m))
    want = _oracle(g, links, lat, lon, max_m)
    borderline = {k for k, d in want.items() if abs(d - max_m) < 1e-6}
    assert set(got) - borderline == set(want) - borderline
    assert len(want) > 100
    for key, d in want.items():
        if key in got:
            assert abs(got[key] - d) <= 0.5 + 1e-6, key
    f, t, _ = compute_footpaths(g, links, lat, lon, max_m=max_m)
    order = np.lexsort((t, f))
    np.testing.assert_array_equal(order, np.arange(f.size))  # sorted by (from, to)


def test_car_only_shortcut_is_not_walked() -> None:
    # nodes 0 and 1 are 100 m apart by a car-only road; walking goes round via node 2 (2 x 200 m)
    lat, lon = offset_m([0.0, 100.0, 50.0], [0.0, 0.0, 193.65])
    g = build_street_graph(
        lat, lon, [0, 1, 0, 2, 1, 2], [1, 0, 2, 0, 2, 1],
        [100.0, 100.0, 200.0, 200.0, 200.0, 200.0],
        access=[ACCESS_CAR, ACCESS_CAR, ACCESS_WALK, ACCESS_WALK, ACCESS_WALK, ACCESS_WALK],
    )
    slat, slon = offset_m([0.0, 100.0], [-2.0, -2.0])
    links = link_stops(g, slat, slon, max_snap_m=10.0)
    got = _as_dict(compute_footpaths(g, links, slat, slon, max_m=500))
    assert got == {(0, 1): pytest.approx(404, abs=1), (1, 0): pytest.approx(404, abs=1)}
    assert _as_dict(compute_footpaths(g, links, slat, slon, max_m=300)) == {}


def test_crow_fly_fallback_without_streets() -> None:
    rng = np.random.default_rng(7)
    lat, lon = offset_m(rng.uniform(0, 2000, 200), rng.uniform(0, 2000, 200))
    got = _as_dict(compute_footpaths(None, None, lat, lon, max_m=400))
    want = {}
    for i in range(200):
        for j in range(200):
            d = _haversine_m(lat[i], lon[i], lat[j], lon[j]) * CROW_FLY_DETOUR
            if i != j and d <= 400:
                want[(i, j)] = d
    assert set(got) == set(want) and len(want) > 50
    assert all(abs(got[k] - d) <= 0.5 + 1e-6 for k, d in want.items())
    lat2, lon2 = offset_m([0.0, 100.0], [0.0, 0.0])
    assert _as_dict(compute_footpaths(None, None, lat2, lon2)) == {(0, 1): 130, (1, 0): 130}


def test_bad_arguments() -> None:
    lat, lon = offset_m([0.0], [0.0])
    with pytest.raises(InvalidRequestError, match="max_m"):
        compute_footpaths(None, None, lat, lon, max_m=-1)
    with pytest.raises(InvalidRequestError, match="walk_speed_mps"):
        compute_footpaths(None, None, lat, lon, walk_speed_mps=0.0)


def test_with_footpaths_keeps_transfers_and_adds_footpaths() -> None:
    tt = build_timetable(
        stops=["A", "B", "C"],
        trips=[TripSpec("R1", ["A", "B", "C"], ["08:00", "08:05", "08:10"])],
        transfers=[TransferSpec("A", "B", TRANSFER_MIN_TIME, 120)],
    )
    before = tt.transfer_start.copy()
    out = with_footpaths(tt, [2, 0, 1], [1, 1, 0], [200, 133, 133], walk_speed_mps=1.33)
    out.check_invariants()
    np.testing.assert_array_equal(tt.transfer_start, before)  # the input is unchanged

    old_a = _rows(tt, 0)
    assert old_a == [(1, TRANSFER_MIN_TIME, 120, 0)]
    assert _rows(out, 0) == [*old_a, (1, TRANSFER_FOOTPATH, 100, 133)]
    assert _rows(out, 1) == [*_rows(tt, 1), (0, TRANSFER_FOOTPATH, 100, 133)]
    assert _rows(out, 2) == [*_rows(tt, 2), (1, TRANSFER_FOOTPATH, math.ceil(200 / 1.33), 200)]
    assert out.transfer_to.size == tt.transfer_to.size + 3


def _rows(tt: Timetable, s: int) -> list[tuple[int, int, int, int]]:
    """Transfer rows of stop ``s`` as (to, kind, seconds, metres)."""
    lo, hi = int(tt.transfer_start[s]), int(tt.transfer_start[s + 1])
    return list(zip(tt.transfer_to[lo:hi].tolist(), tt.transfer_kind[lo:hi].tolist(),
                    tt.transfer_s[lo:hi].tolist(), tt.transfer_m[lo:hi].tolist(), strict=True))


def test_with_footpaths_rejects_bad_stop_ids() -> None:
    tt = build_timetable(stops=["A", "B"],
                         trips=[TripSpec("R1", ["A", "B"], ["08:00", "08:05"])])
    with pytest.raises(InvalidRequestError, match="outside"):
        with_footpaths(tt, [0], [5], [10], walk_speed_mps=1.33)
