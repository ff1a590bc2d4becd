"""Random street graphs and independent oracles (scipy.sparse.csgraph, certificates)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from routing.constants import ACCESS_BIKE, ACCESS_CAR, ACCESS_WALK
from routing.street_graph import FLAG_BAD_SURFACE, FLAG_STEPS, FLAG_UNKNOWN_SURFACE, StreetGraph
from tests.support.grid import ORIGIN_LAT, ORIGIN_LON, build_street_graph


def random_graph(
    rng: np.random.Generator, n_nodes: int, n_edges: int, *, geometric: bool = True
) -> StreetGraph:
    """A random directed street graph with the awkward cases on purpose.

    About a tenth of the nodes are isolated (no edge), and the edges include self-loops,
    parallel edges, one-way edges (missing car bit), zero-length edges (between coincident nodes
    when ``geometric``) and random access bits, bike factors, car speeds and flags.  With
    ``geometric`` every length is at least the straight-line distance of its end nodes.
    """
    lat = ORIGIN_LAT + rng.uniform(0, 0.02, n_nodes)
    lon = ORIGIN_LON + rng.uniform(0, 0.03, n_nodes)
    n_used = max(1, int(n_nodes * 0.9))
    tail = rng.integers(0, n_used, n_edges)
    head = rng.integers(0, n_used, n_edges)
    # self-loops and parallel edges
    k = max(1, n_edges // 20)
    head[:k] = tail[:k]
    tail[k : 2 * k] = tail[2 * k : 3 * k]
    head[k : 2 * k] = head[2 * k : 3 * k]
    zero = rng.random(n_edges) < 0.05
    if geometric:
        # coincident nodes joined by zero-length edges
        lat[head[zero]] = lat[tail[zero]]
        lon[head[zero]] = lon[tail[zero]]
    chord = _chord_m(lat[tail], lon[tail], lat[head], lon[head])
    if geometric:
        zero &= chord == 0  # a later move may have separated an earlier pair again
        length = chord * rng.uniform(1.0, 1.6, n_edges)
    else:
        length = rng.uniform(0.0, 400.0, n_edges)
    length[zero] = 0.0
    access = rng.choice(
        np.array([ACCESS_WALK | ACCESS_BIKE | ACCESS_CAR, ACCESS_WALK | ACCESS_BIKE,
                  ACCESS_WALK, ACCESS_CAR, ACCESS_BIKE | ACCESS_CAR]),
        n_edges, p=[0.6, 0.15, 0.1, 0.1, 0.05],
    )
    flags = rng.choice(
        np.array([0, FLAG_STEPS, FLAG_UNKNOWN_SURFACE, FLAG_BAD_SURFACE]),
        n_edges, p=[0.8, 0.07, 0.08, 0.05],
    )
    return build_street_graph(
        lat, lon, tail, head, length,
        access=access,
        car_speed_mps=rng.uniform(3.0, 20.0, n_edges),
        bike_factor=rng.choice(np.array([1.0, 0.25, 0.8, 1.2]), n_edges),
        edge_flags=flags,
    )


def _chord_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> npt.NDArray[np.float64]:
    # Haversine (an upper bound of the router's planar chord within a few metres' precision).
    r = 6_371_008.8
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(a))


def scipy_matrix(graph: StreetGraph, cost: np.ndarray, *, reverse: bool = False) -> sp.csr_matrix:
    """Sparse matrix of the usable edges keeping the MIN cost per (tail, head) pair."""
    tail = graph.tail().astype(np.int64)
    head = graph.head.astype(np.int64)
    use = cost >= 0
    t, h, w = tail[use], head[use], cost[use].astype(np.float64)
    if reverse:
        t, h = h, t
    order = np.lexsort((w, h, t))
    t, h, w = t[order], h[order], w[order]
    first = np.ones(t.shape[0], dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    n = graph.n_nodes
    # Explicit zeros of a csr matrix are edges for csgraph.
    return sp.csr_matrix((w[first], (t[first], h[first])), shape=(n, n))


def scipy_dist(
    graph: StreetGraph,
    cost: np.ndarray,
    sources: list[int],
    src_cost: list[float] | None = None,
    *,
    reverse: bool = False,
    limit: float = np.inf,
) -> npt.NDArray[np.float64]:
    """Multi-source distances: min over sources of initial cost + scipy Dijkstra distance."""
    mat = scipy_matrix(graph, cost, reverse=reverse)
    d = np.atleast_2d(dijkstra(mat, directed=True, indices=sources))
    init = np.zeros(len(sources)) if src_cost is None else np.asarray(src_cost, float)
    best = np.min(d + init[:, None], axis=0)
    best[best > limit] = np.inf
    return best


def check_certificate(
    graph: StreetGraph,
    cost: np.ndarray,
    dist: np.ndarray,
    parent_edge: np.ndarray,
    *,
    sources: list[int],
    src_cost: list[float],
    limit: float = np.inf,
) -> None:
    """Optimality certificate of labels: no edge improves them and every parent edge is tight."""
    tail = graph.tail()
    use = cost >= 0
    du = dist[tail]
    cand = du + np.where(use, cost, 0).astype(np.float64)
    relevant = use & np.isfinite(du) & (cand <= limit)
    assert np.all(dist[graph.head[relevant]] <= cand[relevant]), "an edge improves a label"
    for s, c in zip(sources, src_cost, strict=True):
        if c <= limit:
            assert dist[s] <= c
    reached = np.flatnonzero(np.isfinite(dist))
    for v in reached.tolist():
        e = int(parent_edge[v])
        if e < 0:
            assert any(
                s == v and c == dist[v] for s, c in zip(sources, src_cost, strict=True)
            ), f"root {v} is not a source at its label"
            continue
        assert int(graph.head[e]) == v
        assert cost[e] >= 0, "parent edge unusable"
        assert dist[tail[e]] + cost[e] == dist[v], f"parent edge {e} of {v} not tight"
