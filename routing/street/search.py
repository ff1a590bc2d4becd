"""Street search over the CSR :class:`~routing.street_graph.StreetGraph`.

:func:`_search` is Dijkstra from several weighted sources, with an optional target (stop when
settled), an optional cost limit (never label beyond it) and an optional A* potential, on flat
arrays with an indexed binary heap (decrease-key).  Bounded searches in whole seconds (access,
egress, isochrones: no target, finite limit) run :func:`_search_buckets` instead, the same
labels with a bucket queue (Dial's algorithm), which spends no comparisons on a heap.  A query
allocates nothing: the arrays live in a reusable :class:`StreetSearchState`, and only the nodes
touched by the previous query are cleared.

A* potential.  Nodes are projected once to a plane (equirectangular at the graph's mean
latitude), where straight-line distance is a true metric.  ``h(v) = |v - t| / speed_bound``
with ``speed_bound = max_e |tail_e - head_e| / cost_e`` over the usable edges: by the triangle
inequality, ``h`` is then consistent for *these* integer costs whatever their rounding, so A*
settles every node once and returns exactly Dijkstra's cost.  A usable zero-cost edge between
two distinct points makes the bound infinite and A* falls back to Dijkstra (still exact).  The
edge costs give every positive-length edge at least 1 s (see
:mod:`routing.street.profiles`), so such edges only arise from non-geometric data.

:class:`StreetRouter` is built once per graph: it holds the projected coordinates, the compiled
per-profile cost arrays, the reversed CSR (for egress searches towards a destination) and the
kd-tree of nodes.  Queries take a :class:`StreetSearchState` (one per worker).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from routing.errors import InvalidRequestError
from routing.street.path import StreetPath, build_path, trace_edges
from routing.street.profiles import StreetProfile, seconds_from_metres
from routing.street_graph import StopLinks, StreetGraph

Metric = Literal["time", "distance"]
"""``time``: int seconds from the profile; ``distance``: float metres on the usable edges."""

#: Mean Earth radius, metres (IUGG), for the planar projection of the A* potential.
EARTH_RADIUS_M = 6_371_008.8

# Shrinks the A* potential by one part in 10**9 so that float rounding in ``h`` can never make
# it inconsistent (costs are integers of at most ~1e9, far above that relative error).
_H_SAFETY = 1.0 - 1e-9

_SETTLED = -2
_NOT_IN_HEAP = -1
# Error returns of ``_search`` and ``_search_buckets``.
_BAD_SOURCE_NODE = -1
_BAD_SOURCE_COST = -2
_OUT_OF_ENTRIES = -3

#: Largest cost limit (seconds) searched with the bucket queue; above it the binary heap.
BUCKET_LIMIT_MAX_S = 6 * 3600


# ---------------------------------------------------------------------------------------------
# numba kernels
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _reset(
    dist: np.ndarray, parent: np.ndarray, pos: np.ndarray, touched: np.ndarray,
    n_touched: np.ndarray,
) -> None:
    for i in range(n_touched[0]):
        v = touched[i]
        dist[v] = np.inf
        parent[v] = -1
        pos[v] = -1
    n_touched[0] = 0


@njit(cache=True)
def _check_sources(src_node: np.ndarray, src_cost: np.ndarray, n: int) -> int:
    """0, or ``_BAD_SOURCE_NODE`` / ``_BAD_SOURCE_COST`` for the first bad source."""
    for i in range(src_node.shape[0]):
        if src_node[i] < 0 or src_node[i] >= n:
            return _BAD_SOURCE_NODE
        if not src_cost[i] >= 0.0:
            return _BAD_SOURCE_COST
    return 0


@njit(cache=True)
def _sift_up(heap_node: np.ndarray, heap_key: np.ndarray, pos: np.ndarray, i: int) -> None:
    node = heap_node[i]
    key = heap_key[i]
    while i > 0:
        p = (i - 1) >> 1
        if heap_key[p] <= key:
            break
        heap_node[i] = heap_node[p]
        heap_key[i] = heap_key[p]
        pos[heap_node[i]] = i
        i = p
    heap_node[i] = node
    heap_key[i] = key
    pos[node] = i


@njit(cache=True)
def _sift_down(
    heap_node: np.ndarray, heap_key: np.ndarray, pos: np.ndarray, i: int, size: int
) -> None:
    node = heap_node[i]
    key = heap_key[i]
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and heap_key[c + 1] < heap_key[c]:
            c += 1
        if heap_key[c] >= key:
            break
        heap_node[i] = heap_node[c]
        heap_key[i] = heap_key[c]
        pos[heap_node[i]] = i
        i = c
    heap_node[i] = node
    heap_key[i] = key
    pos[node] = i


@njit(cache=True)
def _search(
    first_out: np.ndarray,
    head: np.ndarray,
    cost: np.ndarray,
    src_node: np.ndarray,
    src_cost: np.ndarray,
    target: int,
    limit: float,
    x: np.ndarray,
    y: np.ndarray,
    h_scale: float,
    dist: np.ndarray,
    parent: np.ndarray,
    pos: np.ndarray,
    heap_node: np.ndarray,
    heap_key: np.ndarray,
    touched: np.ndarray,
    n_touched: np.ndarray,
    order: np.ndarray,
) -> int:
    """Multi-source Dijkstra / A*; returns the number of settled nodes (< 0: bad sources).

    ``cost[e] < 0`` marks an unusable edge.  Labels above ``limit`` are never set.  With
    ``target >= 0`` the search stops once the target is settled; with ``h_scale > 0`` (and a
    target) keys are ``dist + h_scale * |v - target|`` in the plane ``x, y`` (A*).  Settled
    nodes are written to ``order`` in settling order.
    """
    _reset(dist, parent, pos, touched, n_touched)
    bad = _check_sources(src_node, src_cost, dist.shape[0])
    if bad < 0:
        return bad
    k = 0
    use_h = h_scale > 0.0 and target >= 0
    tx = 0.0
    ty = 0.0
    if use_h:
        tx = x[target]
        ty = y[target]
    size = 0
    for i in range(src_node.shape[0]):
        s = src_node[i]
        c = src_cost[i]
        if c > limit or c >= dist[s]:
            continue
        if dist[s] == np.inf:
            touched[k] = s
            k += 1
        dist[s] = c
        key = c
        if use_h:
            key += h_scale * np.sqrt((x[s] - tx) ** 2 + (y[s] - ty) ** 2)
        if pos[s] < 0:
            heap_node[size] = s
            heap_key[size] = key
            size += 1
            _sift_up(heap_node, heap_key, pos, size - 1)
        else:
            heap_key[pos[s]] = key
            _sift_up(heap_node, heap_key, pos, pos[s])
    settled = 0
    while size > 0:
        u = heap_node[0]
        size -= 1
        if size > 0:
            heap_node[0] = heap_node[size]
            heap_key[0] = heap_key[size]
            _sift_down(heap_node, heap_key, pos, 0, size)
        pos[u] = _SETTLED
        order[settled] = u
        settled += 1
        if u == target:
            break
        du = dist[u]
        for e in range(first_out[u], first_out[u + 1]):
            c = cost[e]
            if c < 0:
                continue
            v = head[e]
            if pos[v] == _SETTLED:
                continue
            nd = du + c
            if nd < dist[v] and nd <= limit:
                if dist[v] == np.inf:
                    touched[k] = v
                    k += 1
                dist[v] = nd
                parent[v] = e
                key = nd
                if use_h:
                    key += h_scale * np.sqrt((x[v] - tx) ** 2 + (y[v] - ty) ** 2)
                if pos[v] == _NOT_IN_HEAP:
                    heap_node[size] = v
                    heap_key[size] = key
                    size += 1
                    _sift_up(heap_node, heap_key, pos, size - 1)
                else:
                    heap_key[pos[v]] = key
                    _sift_up(heap_node, heap_key, pos, pos[v])
    n_touched[0] = k
    return settled


@njit(cache=True)
def _search_buckets(
    first_out: np.ndarray,
    head: np.ndarray,
    cost: np.ndarray,
    src_node: np.ndarray,
    src_cost: np.ndarray,
    limit: float,
    dist: np.ndarray,
    parent: np.ndarray,
    pos: np.ndarray,
    touched: np.ndarray,
    n_touched: np.ndarray,
    order: np.ndarray,
    bucket_head: np.ndarray,
    ent_node: np.ndarray,
    ent_next: np.ndarray,
    ent_key: np.ndarray,
) -> int:
    """Bounded multi-source Dijkstra with a bucket queue (Dial) for integer edge costs.

    Same labels as :func:`_search` without target or potential, for int seconds per edge and
    a finite ``limit``: bucket ``b`` holds the entries with ``floor(label) == b`` as a linked
    list (``bucket_head[b]`` -> ``ent_next``), so a push is O(1) and the buckets are swept once
    in order - no heap, no comparisons of keys.  Sources may carry fractional costs: within a
    bucket a node may then improve through a zero-cost edge after it was expanded, so the
    bucket is processed label-correcting (the improved entry is expanded again); a node enters
    ``order`` once, when first expanded, so ``order`` is non-decreasing in whole seconds.
    Entries are never removed: an entry whose key is above the node's label is stale.
    Returns the settled-node count, or ``_BAD_SOURCE_*`` / ``_OUT_OF_ENTRIES`` (< 0).
    """
    _reset(dist, parent, pos, touched, n_touched)
    bad = _check_sources(src_node, src_cost, dist.shape[0])
    if bad < 0:
        return bad
    n_buckets = int(limit) + 1
    cap = ent_node.shape[0]
    k = 0
    n_ent = 0
    for i in range(src_node.shape[0]):
        s = src_node[i]
        c = src_cost[i]
        if c > limit or c >= dist[s]:
            continue
        if dist[s] == np.inf:
            touched[k] = s
            k += 1
        dist[s] = c
        b = int(c)
        ent_node[n_ent] = s
        ent_key[n_ent] = c
        ent_next[n_ent] = bucket_head[b]
        bucket_head[b] = n_ent
        n_ent += 1
    settled = 0
    for b in range(n_buckets):
        while bucket_head[b] >= 0:
            ent = bucket_head[b]
            bucket_head[b] = ent_next[ent]
            u = ent_node[ent]
            du = dist[u]
            if ent_key[ent] != du:
                continue
            if pos[u] != _SETTLED:
                pos[u] = _SETTLED
                order[settled] = u
                settled += 1
            for e in range(first_out[u], first_out[u + 1]):
                c = cost[e]
                if c < 0:
                    continue
                v = head[e]
                nd = du + c
                if nd < dist[v] and nd <= limit:
                    if n_ent == cap:
                        for bb in range(b, n_buckets):
                            bucket_head[bb] = -1
                        n_touched[0] = k
                        return _OUT_OF_ENTRIES
                    if dist[v] == np.inf:
                        touched[k] = v
                        k += 1
                    dist[v] = nd
                    parent[v] = e
                    nb = int(nd)
                    ent_node[n_ent] = v
                    ent_key[n_ent] = nd
                    ent_next[n_ent] = bucket_head[nb]
                    bucket_head[nb] = n_ent
                    n_ent += 1
    n_touched[0] = k
    return settled


@njit(cache=True)
def _stops_from_labels(
    dist: np.ndarray,
    node_a: np.ndarray,
    node_b: np.ndarray,
    link_a: np.ndarray,
    link_b: np.ndarray,
    limit: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Stops whose best ``dist[end] + link[end]`` over both link ends is within ``limit``."""
    n = node_a.shape[0]
    out_stop = np.empty(n, np.int32)
    out_cost = np.empty(n, np.float64)
    k = 0
    for s in range(n):
        a = node_a[s]
        if a < 0:
            continue
        best = np.inf
        if dist[a] < np.inf:
            best = dist[a] + link_a[s]
        b = node_b[s]
        if b >= 0 and dist[b] < np.inf:
            best = min(best, dist[b] + link_b[s])
        if best <= limit:
            out_stop[k] = s
            out_cost[k] = best
            k += 1
    return out_stop[:k], out_cost[:k]


@njit(cache=True)
def _reverse_csr(
    first_out: np.ndarray, head: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reversed CSR ``(first_out, head, orig_edge)``; reversed edge ``r`` is ``orig_edge[r]``."""
    n = first_out.shape[0] - 1
    m = head.shape[0]
    count = np.zeros(n + 1, np.int32)
    for e in range(m):
        count[head[e] + 1] += 1
    for v in range(n):
        count[v + 1] += count[v]
    r_first = count.copy()
    fill = count[:n].copy()
    r_head = np.empty(m, np.int32)
    r_edge = np.empty(m, np.int32)
    for u in range(n):
        for e in range(first_out[u], first_out[u + 1]):
            w = head[e]
            r = fill[w]
            fill[w] += 1
            r_head[r] = u
            r_edge[r] = e
    return r_first, r_head, r_edge


# ---------------------------------------------------------------------------------------------
# state and router
# ---------------------------------------------------------------------------------------------


class StreetSearchState:
    """Reusable scratch arrays of one worker's street searches.

    After a search, ``dist[v]`` holds the cost label of every reached node (``inf`` elsewhere)
    and ``parent_edge[v]`` the edge of the searched CSR that reached it (``-1`` at sources).
    The next search (or :meth:`reset`) clears only the nodes the previous one touched.

    Parameters
    ----------
    n_nodes
        Number of nodes of the graph it serves.
    """

    def __init__(self, n_nodes: int) -> None:
        self.n_nodes = int(n_nodes)
        self.dist: npt.NDArray[np.float64] = np.full(self.n_nodes, np.inf)
        self.parent_edge: npt.NDArray[np.int32] = np.full(self.n_nodes, -1, np.int32)
        self.heap_pos: npt.NDArray[np.int32] = np.full(self.n_nodes, -1, np.int32)
        self.heap_node: npt.NDArray[np.int32] = np.zeros(self.n_nodes, np.int32)
        self.heap_key: npt.NDArray[np.float64] = np.zeros(self.n_nodes, np.float64)
        self.touched: npt.NDArray[np.int32] = np.zeros(self.n_nodes, np.int32)
        self.n_touched: npt.NDArray[np.int64] = np.zeros(1, np.int64)
        self.order: npt.NDArray[np.int32] = np.zeros(self.n_nodes, np.int32)
        # bucket queue of bounded time searches, grown on demand (see ``buckets``)
        self.bucket_head: npt.NDArray[np.int32] = np.zeros(0, np.int32)
        self.ent_node: npt.NDArray[np.int32] = np.zeros(0, np.int32)
        self.ent_next: npt.NDArray[np.int32] = np.zeros(0, np.int32)
        self.ent_key: npt.NDArray[np.float64] = np.zeros(0, np.float64)
        self.reverse = False
        """Whether the labels come from a reverse search (costs *to* the sources)."""
        self.settled = 0
        """Nodes settled by the last search."""

    def reset(self) -> None:
        """Clear the labels of the nodes touched by the last search (O(touched))."""
        _reset(self.dist, self.parent_edge, self.heap_pos, self.touched, self.n_touched)
        self.settled = 0

    def ensure_buckets(self, n_buckets: int, n_entries: int) -> None:
        """Grow the bucket queue to ``n_buckets`` buckets and ``n_entries`` entries (at least)."""
        if self.bucket_head.shape[0] < n_buckets:
            self.bucket_head = np.full(max(n_buckets, 2 * self.bucket_head.shape[0]), -1,
                                       np.int32)
        if self.ent_node.shape[0] < n_entries:
            self.ent_node = np.zeros(n_entries, np.int32)
            self.ent_next = np.zeros(n_entries, np.int32)
            self.ent_key = np.zeros(n_entries, np.float64)

    def reached(self) -> npt.NDArray[np.int32]:
        """Nodes settled by the last search (final labels), in settling order."""
        return self.order[: self.settled].copy()


@dataclass(frozen=True)
class _Compiled:
    cost: npt.NDArray[np.int32] | npt.NDArray[np.float64]
    h_scale: float


@dataclass(frozen=True)
class Reached:
    """Nodes reached by a bounded search and their cost labels.

    ``cost`` is int32 seconds for a time search, float64 metres for a distance search.
    """

    node_idx: npt.NDArray[np.int32]
    cost: npt.NDArray[np.int32] | npt.NDArray[np.float64]


def _as_sources(
    nodes: npt.ArrayLike, costs: npt.ArrayLike | None
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]:
    # Range and sign checks happen in the kernel (see ``_search``): cheaper than numpy
    # reductions on tiny arrays, which dominated short bounded searches.
    src = np.asarray(nodes, dtype=np.int32).reshape(-1)
    if costs is None:
        cst = np.zeros(src.shape[0], np.float64)
    else:
        cst = np.asarray(costs, dtype=np.float64).reshape(-1)
    if src.shape != cst.shape:
        raise InvalidRequestError(
            f"sources: {src.shape[0]} nodes but {cst.shape[0]} initial costs"
        )
    return src, cst


#: Compiled profiles (costs per edge) a router keeps: requests may choose their walking speed,
#: so the caches keyed by profile are bounded, oldest entry out first.
PROFILE_CACHE_SIZE = 24


def _bound(cache: dict[Any, Any]) -> None:
    """Drop the oldest entries of ``cache`` beyond :data:`PROFILE_CACHE_SIZE` (call under the
    router's lock)."""
    while len(cache) > PROFILE_CACHE_SIZE:
        cache.pop(next(iter(cache)))


class StreetRouter:
    """Everything street queries need, built once per graph and shared read-only.

    Holds the projected node coordinates, the compiled per-(profile, metric) edge costs and
    A* bounds, the reversed CSR and a kd-tree of the nodes, each built on first use (or
    eagerly by :meth:`warm`).  Thread-safe: the caches are filled under a lock.

    Parameters
    ----------
    graph
        The street graph (not copied; its arrays may be read-only memory maps).
    """

    def __init__(self, graph: StreetGraph) -> None:
        self.graph = graph
        self._first_out = np.ascontiguousarray(graph.first_out, dtype=np.int32)
        self._head = np.ascontiguousarray(graph.head, dtype=np.int32)
        lat = np.asarray(graph.node_lat, dtype=np.float64)
        lon = np.asarray(graph.node_lon, dtype=np.float64)
        self._lat0 = float(np.mean(lat)) if lat.size else 0.0
        self._x, self._y = self._project(lat, lon)
        self._lock = threading.Lock()
        self._compiled: dict[tuple[StreetProfile, Metric], _Compiled] = {}
        self._rev_cost: dict[tuple[StreetProfile, Metric], np.ndarray] = {}
        self._links: dict[tuple[int, StreetProfile, Metric], tuple[StopLinks, np.ndarray,
                                                                   np.ndarray]] = {}
        self._tail: npt.NDArray[np.int32] | None = None
        self._rev: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._kdtree: cKDTree | None = None
        # by profile name: which edges a profile may use does not depend on its speeds
        self._profile_trees: dict[str, tuple[cKDTree, npt.NDArray[np.int32]]] = {}
        self._closed: dict[str, npt.NDArray[np.bool_]] = {}

    # -- closures overlay ----------------------------------------------------------------

    def set_closed_edges(self, profile_name: str, closed: npt.ArrayLike | None) -> None:
        """Overlay: edges closed to every profile named ``profile_name`` (e.g. ``car``).

        The graph is never edited: the profile's compiled costs get ``-1`` on closed edges
        (recompiled on next use).  ``None`` (or an all-false mask) lifts every closure.
        """
        mask = None
        if closed is not None:
            mask = np.asarray(closed, dtype=np.bool_).copy()
            if mask.shape != (self.graph.n_edges,):
                raise InvalidRequestError(
                    f"closed: shape {mask.shape} != ({self.graph.n_edges},) edges")
            mask.setflags(write=False)
        with self._lock:
            if mask is None or not bool(mask.any()):
                self._closed.pop(profile_name, None)
            else:
                self._closed[profile_name] = mask
            for cache in (self._compiled, self._rev_cost):
                for key in [k for k in cache if k[0].name == profile_name]:
                    del cache[key]
            self._profile_trees.pop(profile_name, None)

    def closed_edges(self, profile_name: str) -> npt.NDArray[np.bool_] | None:
        """The closed-edge mask of a profile name, ``None`` when nothing is closed."""
        return self._closed.get(profile_name)

    # -- cached derived data -------------------------------------------------------------

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return self.graph.n_nodes

    def plane_xy(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Node coordinates in the A* plane (equirectangular at the mean latitude), metres."""
        return self._x, self._y

    def new_state(self) -> StreetSearchState:
        """A fresh per-worker search state sized for this graph."""
        return StreetSearchState(self.graph.n_nodes)

    def edge_tail(self) -> npt.NDArray[np.int32]:
        """Tail node of every edge (cached)."""
        if self._tail is None:
            self._tail = self.graph.tail()
        return self._tail

    def reversed_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(first_out, head, orig_edge)`` of the reversed graph (cached)."""
        if self._rev is None:
            with self._lock:
                if self._rev is None:
                    self._rev = _reverse_csr(self._first_out, self._head)
        return self._rev

    def compiled(self, profile: StreetProfile, metric: Metric = "time") -> _Compiled:
        """Edge costs (``-1`` = unusable) and A* scale of a profile (cached)."""
        key = (profile, metric)
        got = self._compiled.get(key)
        if got is not None:
            return got
        with self._lock:
            got = self._compiled.get(key)
            if got is None:
                got = self._compile(profile, metric)
                self._compiled[key] = got
                _bound(self._compiled)
        return got

    def edge_cost_s(self, profile: StreetProfile) -> npt.NDArray[np.int32]:
        """Int32 seconds per edge of a profile, ``-1`` where it may not go (cached)."""
        cost = self.compiled(profile, "time").cost
        assert cost.dtype == np.int32
        return cost  # type: ignore[return-value]

    def _compile(self, profile: StreetProfile, metric: Metric) -> _Compiled:
        cost: npt.NDArray[np.int32] | npt.NDArray[np.float64]
        if metric == "time":
            cost = profile.edge_cost_s(self.graph)
        elif metric == "distance":
            cost = profile.edge_length_m(self.graph)
        else:
            raise InvalidRequestError(f"metric must be 'time' or 'distance', got {metric!r}")
        closed = self._closed.get(profile.name)
        if closed is not None:
            cost = np.where(closed, cost.dtype.type(-1), cost).astype(cost.dtype)  # type: ignore[assignment]
        cost.setflags(write=False)
        return _Compiled(cost=cost, h_scale=self._h_scale(cost))

    def _h_scale(self, cost: np.ndarray) -> float:
        """``1 / speed_bound`` of the A* potential, or 0 when no finite bound exists."""
        usable = cost >= 0
        if not bool(usable.any()):
            return 0.0
        tail = self.edge_tail()[usable]
        head = self._head[usable]
        chord = np.hypot(self._x[tail] - self._x[head], self._y[tail] - self._y[head])
        c = cost[usable].astype(np.float64)
        if bool(np.any((c == 0) & (chord > 0))):
            return 0.0
        pos = c > 0
        if not bool(pos.any()):
            return 0.0
        bound = float(np.max(chord[pos] / c[pos]))
        return _H_SAFETY / bound if bound > 0 else 0.0

    def _reverse_cost(self, profile: StreetProfile, metric: Metric) -> np.ndarray:
        key = (profile, metric)
        got = self._rev_cost.get(key)
        if got is None:
            _, _, orig = self.reversed_csr()
            comp = self.compiled(profile, metric)
            got = np.ascontiguousarray(comp.cost[orig])
            got.setflags(write=False)
            with self._lock:
                if self._compiled.get(key) is comp:  # not invalidated meanwhile by a closure
                    self._rev_cost[key] = got
                    _bound(self._rev_cost)
        return got

    def warm(self, profiles: tuple[StreetProfile, ...], *, reverse: bool = True) -> None:
        """Build every cache for ``profiles`` now (and compile the kernels) before serving."""
        state = self.new_state()
        self.edge_tail()
        if reverse:
            self.reversed_csr()
        for p in profiles:
            for metric in ("time", "distance"):
                self.compiled(p, metric)
                if reverse:
                    self._reverse_cost(p, metric)
            if self.n_nodes:
                self.one_to_many(p, [0], state=state, limit=0.0)
                self.shortest_path(p, 0, 0, state=state)
        if self.n_nodes:
            self.nearest_node(float(self.graph.node_lat[0]), float(self.graph.node_lon[0]))

    # -- queries -----------------------------------------------------------------------------

    def _check_node(self, name: str, node: int) -> None:
        if not 0 <= node < self.graph.n_nodes:
            raise InvalidRequestError(f"{name}: node {node} out of range 0..{self.n_nodes - 1}")

    def _check_state(self, state: StreetSearchState) -> None:
        if state.n_nodes != self.graph.n_nodes:
            raise InvalidRequestError(
                f"state: sized for {state.n_nodes} nodes, graph has {self.graph.n_nodes}"
            )

    def run(
        self,
        profile: StreetProfile,
        src_nodes: npt.ArrayLike,
        src_costs: npt.ArrayLike | None = None,
        *,
        state: StreetSearchState,
        target: int = -1,
        limit: float = np.inf,
        astar: bool = False,
        reverse: bool = False,
        metric: Metric = "time",
    ) -> int:
        """Run one search, leaving its labels in ``state``; returns the settled-node count.

        Parameters
        ----------
        profile
            Travel profile.
        src_nodes, src_costs
            Source nodes and their initial costs (seconds, or metres; default 0).
        state
            Scratch state of this worker (overwritten).
        target
            Stop when this node is settled (``-1``: settle everything within ``limit``).
        limit
            Largest label to set, seconds (or metres).
        astar
            Use the straight-line potential towards ``target`` (forward searches only).
        reverse
            Search the reversed graph: labels are costs *to* the sources.
        metric
            ``time`` (int seconds per edge) or ``distance`` (metres).
        """
        self._check_state(state)
        src, cst = _as_sources(src_nodes, src_costs)
        if target >= 0:
            self._check_node("target", target)
        comp = self.compiled(profile, metric)
        if reverse:
            first_out, head, _ = self.reversed_csr()
            cost = self._reverse_cost(profile, metric)
            h_scale = 0.0
        else:
            first_out, head, cost = self._first_out, self._head, comp.cost
            h_scale = comp.h_scale if astar else 0.0
        if target < 0 and cost.dtype == np.int32 and limit <= BUCKET_LIMIT_MAX_S:
            settled = self._run_buckets(first_out, head, cost, src, cst, float(limit), state)
        else:
            settled = _search(
                first_out, head, cost, src, cst, int(target), float(limit),
                self._x, self._y, float(h_scale),
                state.dist, state.parent_edge, state.heap_pos, state.heap_node, state.heap_key,
                state.touched, state.n_touched, state.order,
            )
        if settled < 0:
            state.settled = 0
            if settled == _BAD_SOURCE_NODE:
                raise InvalidRequestError(
                    f"sources: node index out of range 0..{self.n_nodes - 1}: {src.tolist()}"
                )
            raise InvalidRequestError(f"sources: initial costs must be >= 0, got {cst.tolist()}")
        state.reverse = reverse
        state.settled = int(settled)
        return int(settled)

    def _run_buckets(
        self, first_out: np.ndarray, head: np.ndarray, cost: np.ndarray,
        src: npt.NDArray[np.int32], cst: npt.NDArray[np.float64], limit: float,
        state: StreetSearchState,
    ) -> int:
        """Bucket-queue search (int seconds per edge, finite ``limit`` <= BUCKET_LIMIT_MAX_S)."""
        n_entries = head.shape[0] + src.shape[0] + 1
        while True:
            state.ensure_buckets(int(limit) + 1, n_entries)
            settled = _search_buckets(
                first_out, head, cost, src, cst, limit, state.dist, state.parent_edge,
                state.heap_pos, state.touched, state.n_touched, state.order,
                state.bucket_head, state.ent_node, state.ent_next, state.ent_key,
            )
            if settled != _OUT_OF_ENTRIES:
                return int(settled)
            # only fractional source costs with zero-cost edges can re-expand nodes this much
            n_entries = 2 * state.ent_node.shape[0]

    def path_to(self, state: StreetSearchState, node: int) -> StreetPath | None:
        """The path of the last search in ``state`` that ends (or, reverse, starts) at ``node``.

        For a forward search the path runs from a source to ``node``; for a reverse search it
        runs from ``node`` to a source of that search (the destination).  ``None`` when
        ``node`` was not reached.
        """
        self._check_node("node", node)
        label = float(state.dist[node])
        if not np.isfinite(label):
            return None
        if not state.reverse:
            edges = trace_edges(state.parent_edge, self.edge_tail(), node)
            start = node if edges.shape[0] == 0 else int(self.edge_tail()[edges[0]])
            return build_path(self.graph, start, edges, label)
        orig = self.reversed_csr()[2]
        r_tail = self._rev_tail()
        r_edges = trace_edges(state.parent_edge, r_tail, node)
        # Reversed-graph edges from the destination to ``node``: reverse and map back.
        edges = orig[r_edges[::-1]].astype(np.int32)
        return build_path(self.graph, node, edges, label)

    def _rev_tail(self) -> npt.NDArray[np.int32]:
        cached: npt.NDArray[np.int32] | None = getattr(self, "_rev_tail_cache", None)
        if cached is None:
            _, _, orig = self.reversed_csr()
            # The tail of reversed edge r is the head of its original edge.
            cached = np.ascontiguousarray(self._head[orig])
            self._rev_tail_cache = cached
        return cached

    def shortest_path(
        self,
        profile: StreetProfile,
        src_node: int,
        dst_node: int,
        *,
        state: StreetSearchState,
        astar: bool = True,
        metric: Metric = "time",
    ) -> StreetPath | None:
        """Cheapest path from ``src_node`` to ``dst_node``, or ``None`` if unreachable.

        Parameters
        ----------
        profile
            Travel profile.
        src_node, dst_node
            Node indices.
        state
            Scratch state of this worker.
        astar
            Use A* (same result as Dijkstra, fewer settled nodes).
        metric
            ``time`` (``duration_s`` in seconds) or ``distance`` (metres).
        """
        self._check_node("src_node", src_node)
        self.run(profile, [src_node], state=state, target=dst_node, astar=astar, metric=metric)
        return self.path_to(state, dst_node)

    def shortest_cost(
        self,
        profile: StreetProfile,
        src_node: int,
        dst_node: int,
        *,
        state: StreetSearchState,
        astar: bool = True,
        metric: Metric = "time",
    ) -> float | None:
        """Cost of the cheapest path (seconds, or metres), ``None`` if unreachable."""
        self._check_node("src_node", src_node)
        self.run(profile, [src_node], state=state, target=dst_node, astar=astar, metric=metric)
        label = float(state.dist[dst_node])
        return label if np.isfinite(label) else None

    def one_to_many(
        self,
        profile: StreetProfile,
        src_nodes: npt.ArrayLike,
        src_costs: npt.ArrayLike | None = None,
        *,
        state: StreetSearchState,
        limit: float = np.inf,
        reverse: bool = False,
        metric: Metric = "time",
    ) -> Reached:
        """Every node within ``limit`` of the weighted sources (or, reverse, to them).

        Parameters
        ----------
        profile
            Travel profile.
        src_nodes, src_costs
            Source nodes and initial costs (seconds, or metres), e.g. the two ends of a
            snapped edge with the partial-edge costs.
        state
            Scratch state of this worker; holds the labels afterwards (see :meth:`path_to`).
        limit
            Cost limit, seconds (or metres); inclusive.
        reverse
            Costs from each node *to* the sources (egress towards a destination).
        metric
            ``time`` or ``distance``.

        Returns
        -------
        Reached
            Nodes in settling order (non-decreasing cost) and their costs.
        """
        self.run(profile, src_nodes, src_costs, state=state, limit=limit, reverse=reverse,
                 metric=metric)
        nodes = state.reached()
        labels = state.dist[nodes]
        if metric == "time":
            return Reached(nodes, labels.astype(np.int32))
        return Reached(nodes, labels)

    def _link_costs(
        self, links: StopLinks, profile: StreetProfile, metric: Metric
    ) -> tuple[np.ndarray, np.ndarray]:
        key = (id(links), profile, metric)
        got = self._links.get(key)
        if got is None or got[0] is not links:
            if metric == "time":
                speed = profile.link_speed_mps
                a = seconds_from_metres(links.dist_a_m, speed).astype(np.float64)
                b = seconds_from_metres(links.dist_b_m, speed).astype(np.float64)
            else:
                a = np.asarray(links.dist_a_m, np.float64)
                b = np.asarray(links.dist_b_m, np.float64)
            got = (links, a, b)
            with self._lock:
                self._links[key] = got
                _bound(self._links)
        return got[1], got[2]

    def stops_within(
        self,
        profile: StreetProfile,
        src_nodes: npt.ArrayLike,
        src_costs: npt.ArrayLike | None,
        limit: float,
        links: StopLinks,
        *,
        state: StreetSearchState,
        reverse: bool = False,
        metric: Metric = "time",
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32] | npt.NDArray[np.float64]]:
        """Stops reachable within ``limit`` from the sources (access), or to them (egress).

        A stop's cost is the best over its two link ends of the node's label plus the link
        (``dist_a_m`` / ``dist_b_m`` at the profile's ``link_speed_mps``, rounded like edges).
        Stops without a link (``node_a == -1``) are never returned.

        Returns
        -------
        tuple
            ``(stop_idx int32[], cost int32[] seconds)`` in stop order (float64 metres for a
            distance search).
        """
        self.run(profile, src_nodes, src_costs, state=state, limit=limit, reverse=reverse,
                 metric=metric)
        link_a, link_b = self._link_costs(links, profile, metric)
        stops, costs = _stops_from_labels(
            state.dist, np.asarray(links.node_a, np.int32), np.asarray(links.node_b, np.int32),
            link_a, link_b, float(limit),
        )
        if metric == "time":
            return stops, costs.astype(np.int32)
        return stops, costs

    def nearest_node(
        self, lat: float, lon: float, *, max_m: float = np.inf,
        profile: StreetProfile | None = None,
    ) -> int | None:
        """Node nearest to a point (straight line), or ``None`` if none within ``max_m`` metres.

        With ``profile``, only :meth:`usable_nodes` of that profile: a car is never snapped to
        a footway node, nor into a pocket that closures cut off from the rest of the city.
        """
        if self.n_nodes == 0:
            return None
        tree, nodes = self._tree(profile)
        if nodes is not None and nodes.shape[0] == 0:
            return None
        x = (np.radians(lon) * (EARTH_RADIUS_M * np.cos(np.radians(self._lat0))))
        y = np.radians(lat) * EARTH_RADIUS_M
        d, i = tree.query((float(x), float(y)), distance_upper_bound=max_m)
        if not np.isfinite(d):
            return None
        return int(i) if nodes is None else int(nodes[i])

    def nearest_nodes(
        self, lat: npt.ArrayLike, lon: npt.ArrayLike, *, max_m: float = np.inf,
        profile: StreetProfile | None = None,
    ) -> npt.NDArray[np.int32]:
        """:meth:`nearest_node` of many points at once (``-1`` where none within ``max_m``)."""
        la = np.asarray(lat, np.float64).reshape(-1)
        lo = np.asarray(lon, np.float64).reshape(-1)
        out = np.full(la.shape[0], -1, np.int32)
        if self.n_nodes == 0 or la.shape[0] == 0:
            return out
        tree, nodes = self._tree(profile)
        if nodes is not None and nodes.shape[0] == 0:
            return out
        x, y = self._project(la, lo)
        d, i = tree.query(np.column_stack([x, y]), distance_upper_bound=max_m)
        ok = np.isfinite(d)
        out[ok] = i[ok] if nodes is None else nodes[i[ok]]
        return out

    def usable_nodes(self, profile: StreetProfile) -> npt.NDArray[np.int32]:
        """Nodes of the largest strongly connected part of ``profile``'s usable edges, closures
        applied (sorted, cached with the profile's kd-tree): from each of them the profile can
        reach every other."""
        nodes = self._tree(profile)[1]
        assert nodes is not None
        return nodes

    def _usable_nodes(self, profile: StreetProfile) -> npt.NDArray[np.int32]:
        # the graph is built strongly connected per mode, but closures (an overlay) can cut
        # pockets off: snap only into the largest strongly connected part that remains
        cost = self.compiled(profile).cost
        use = cost >= 0
        tail, head = self.edge_tail()[use], self._head[use]
        if tail.shape[0] == 0:
            return np.zeros(0, np.int32)
        adj = csr_matrix((np.ones(tail.shape[0], np.int8), (tail, head)),
                         shape=(self.n_nodes, self.n_nodes))
        _, comp = connected_components(adj, directed=True, connection="strong")
        touched = np.zeros(self.n_nodes, dtype=bool)
        touched[tail] = True
        touched[head] = True
        sizes = np.bincount(comp[touched])
        return np.flatnonzero(touched & (comp == int(np.argmax(sizes)))).astype(np.int32)

    def _tree(
        self, profile: StreetProfile | None = None
    ) -> tuple[cKDTree, npt.NDArray[np.int32] | None]:
        if profile is None:
            if self._kdtree is None:
                with self._lock:
                    if self._kdtree is None:
                        self._kdtree = cKDTree(np.column_stack([self._x, self._y]))
            return self._kdtree, None
        got = self._profile_trees.get(profile.name)
        if got is None:
            nodes = self._usable_nodes(profile)
            tree = cKDTree(np.column_stack([self._x[nodes], self._y[nodes]]))
            with self._lock:
                got = self._profile_trees.setdefault(profile.name, (tree, nodes))
        return got

    def _project(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Equirectangular plane at the graph's mean latitude, metres."""
        x = np.radians(lon) * (EARTH_RADIUS_M * np.cos(np.radians(self._lat0)))
        return x, np.radians(lat) * EARTH_RADIUS_M


# ---------------------------------------------------------------------------------------------
# module-level API over a small per-graph cache of routers
# ---------------------------------------------------------------------------------------------

#: Routers of the last few graphs seen by the module-level functions (networks are swapped
#: rarely; a bound keeps an old snapshot from being pinned forever).
_ROUTER_CACHE_SIZE = 4
_ROUTERS: OrderedDict[int, StreetRouter] = OrderedDict()
_ROUTERS_LOCK = threading.Lock()


def get_router(graph: StreetGraph) -> StreetRouter:
    """The cached :class:`StreetRouter` of ``graph`` (built on first use)."""
    with _ROUTERS_LOCK:
        router = _ROUTERS.get(id(graph))
        if router is not None and router.graph is graph:
            _ROUTERS.move_to_end(id(graph))
            return router
        router = StreetRouter(graph)
        _ROUTERS[id(graph)] = router
        while len(_ROUTERS) > _ROUTER_CACHE_SIZE:
            _ROUTERS.popitem(last=False)
        return router


def shortest_path(
    graph: StreetGraph,
    profile: StreetProfile,
    src_node: int,
    dst_node: int,
    *,
    state: StreetSearchState,
    astar: bool = True,
    metric: Metric = "time",
) -> StreetPath | None:
    """Cheapest path between two nodes (see :meth:`StreetRouter.shortest_path`)."""
    return get_router(graph).shortest_path(
        profile, src_node, dst_node, state=state, astar=astar, metric=metric
    )


def one_to_many(
    graph: StreetGraph,
    profile: StreetProfile,
    src_nodes: npt.ArrayLike,
    src_costs: npt.ArrayLike | None = None,
    *,
    state: StreetSearchState,
    limit: float = np.inf,
    reverse: bool = False,
    metric: Metric = "time",
) -> Reached:
    """Nodes within ``limit`` of weighted sources (see :meth:`StreetRouter.one_to_many`)."""
    return get_router(graph).one_to_many(
        profile, src_nodes, src_costs, state=state, limit=limit, reverse=reverse, metric=metric
    )


def stops_within(
    state: StreetSearchState,
    graph: StreetGraph,
    profile: StreetProfile,
    sources: tuple[npt.ArrayLike, npt.ArrayLike | None],
    limit_s: float,
    links: StopLinks,
    *,
    reverse: bool = False,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """Stops within ``limit_s`` seconds of ``sources = (nodes, initial_costs_s)``.

    See :meth:`StreetRouter.stops_within`; ``reverse=True`` gives egress costs *to* the
    sources.  Returns ``(stop_idx int32[], cost_s int32[])`` including each stop's link.
    """
    stops, costs = get_router(graph).stops_within(
        profile, sources[0], sources[1], limit_s, links, state=state, reverse=reverse
    )
    return stops, costs.astype(np.int32)


def nearest_node(graph: StreetGraph, lat: float, lon: float) -> int | None:
    """Node nearest to ``(lat, lon)`` degrees (``None`` for an empty graph)."""
    return get_router(graph).nearest_node(lat, lon)
