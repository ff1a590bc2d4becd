"""One-to-all travel times from one origin (walk + transit), the maths under isochrones.

Steps of :func:`one_to_all` (all times int seconds after the departure ``time_s``):

1. walk access: a walking search on the streets from the origin's nearest node (plus the
   straight line to it), limited by the largest cutoff; stops linked to a reached node within
   ``max_access_s`` become RAPTOR sources.  Stops without a street link (and every stop of a
   bundle without streets) are reached in a straight line at ``CROW_FLY_DETOUR`` times the
   distance — the planner's rules exactly.
2. transit: one earliest-arrival RAPTOR run with *no* target (so no target pruning), bounded by
   the horizon ``time_s + max_time_s``; a stop's transit time is its best vehicle arrival over
   all rounds (footpath transfers are inside RAPTOR).
3. walk on: one multi-source walking search from every stop reached by transit (start cost =
   arrival time + link to the node) and from the origin; each source carries a walking budget
   (``max_egress_s`` after transit, the whole ``max_time_s`` from the origin) and an edge is
   relaxed only while the path's walking stays within its source's budget.  The search settles
   by time, so a node keeps the budget of its fastest path: the result is conservative (every
   node reported is reachable in its time; a rare node reachable only through a slower source
   with a larger budget left may be missed).

The hot parts are numba kernels over the network's flat arrays; no strings, no Python objects.
"""

from __future__ import annotations

import heapq
import math
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numba import njit

from routing.config import RoutingConfig
from routing.constants import CROW_FLY_DETOUR, UNREACHED, WALK_SPEED_MPS
from routing.errors import InvalidRequestError
from routing.network import Network
from routing.planner.geo import StopIndex, haversine_m, haversine_many_m
from routing.raptor import kernels
from routing.raptor.state import RaptorState
from routing.street import StreetRouter, StreetSearchState, WalkProfile, get_router

I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]

#: Longest distance between the origin and the street node it starts from, metres (the
#: planner's snapping limit).
MAX_SNAP_M = 400.0
#: Largest travel time a one-to-all search accepts, seconds (90 minutes).
MAX_TIME_S = 5_400


@dataclass(frozen=True)
class OneToAllRequest:
    """A one-to-all query: origin, departure, and the walking rules.

    Attributes
    ----------
    lat, lon : float
        Origin, degrees.
    day : int
        Service date, ISO ordinal.
    time_s : int
        Departure, seconds since that date's service base (0..172799).
    max_time_s : int
        Travel-time horizon, seconds (60..5400).
    transit : bool
        Use transit (else walking only).
    walk_speed_mps : float
        Walking speed, metres per second.
    max_access_s, max_egress_s : int
        Longest walk to the first stop and from the last stop, seconds.
    max_transfers : int | None
        At most this many vehicle changes (None = the routing config's default).
    """

    lat: float
    lon: float
    day: int
    time_s: int
    max_time_s: int
    transit: bool = True
    walk_speed_mps: float = WALK_SPEED_MPS
    max_access_s: int = 900
    max_egress_s: int = 900
    max_transfers: int | None = None

    def __post_init__(self) -> None:
        """Validate every field (the error names the field and the value)."""
        if not (math.isfinite(self.lat) and -90 <= self.lat <= 90):
            raise InvalidRequestError(f"lat={self.lat!r}: must be in -90..90")
        if not (math.isfinite(self.lon) and -180 <= self.lon <= 180):
            raise InvalidRequestError(f"lon={self.lon!r}: must be in -180..180")
        if not 1 <= self.day <= 3_652_059:
            raise InvalidRequestError(f"day={self.day!r}: not an ISO date ordinal")
        if not 0 <= self.time_s < 2 * 86_400:
            raise InvalidRequestError(f"time_s={self.time_s!r}: must be in 0..172799")
        if not 60 <= self.max_time_s <= MAX_TIME_S:
            raise InvalidRequestError(f"max_time_s={self.max_time_s!r}: must be 60..{MAX_TIME_S}")
        if not 0.3 <= self.walk_speed_mps <= 3.0:
            raise InvalidRequestError(f"walk_speed_mps={self.walk_speed_mps!r}: must be 0.3..3")
        for name in ("max_access_s", "max_egress_s"):
            if not 0 <= getattr(self, name) <= MAX_TIME_S:
                raise InvalidRequestError(f"{name}={getattr(self, name)!r}: must be 0..5400")
        if self.max_transfers is not None and not 0 <= self.max_transfers <= 8:
            raise InvalidRequestError(f"max_transfers={self.max_transfers!r}: must be 0..8")


@dataclass(frozen=True)
class OneToAll:
    """Result of :func:`one_to_all` (times in seconds after the departure).

    Attributes
    ----------
    stop_time_s : int32 (n_stops,)
        Earliest time at every stop (walking, by vehicle, or vehicle then walking on);
        ``UNREACHED`` beyond ``max_time_s``.
    stop_transit : bool (n_stops,)
        Whether that time is a vehicle arrival at the stop itself.
    node_idx, node_time_s, node_budget_s : int32 arrays
        Street nodes reached within ``max_time_s``, their times, and the walking budget left
        there (seconds of walking still allowed by the rules).
    crow_lat, crow_lon : float64 arrays
        Points from which walking continues in a straight line (the origin when it has no
        street node; unlinked stops reached by transit).
    crow_time_s, crow_budget_s : int32 arrays
        Their times and walking budgets, seconds.
    """

    stop_time_s: I32
    stop_transit: npt.NDArray[np.bool_]
    node_idx: I32
    node_time_s: I32
    node_budget_s: I32
    crow_lat: F64
    crow_lon: F64
    crow_time_s: I32
    crow_budget_s: I32


@njit(cache=True)
def _budget_dijkstra(
    first_out: np.ndarray, head: np.ndarray, cost: np.ndarray, src_node: np.ndarray,
    src_time: np.ndarray, src_budget: np.ndarray, limit: np.int32, time: np.ndarray,
    budget: np.ndarray,
) -> int:  # pragma: no cover - numba
    """Multi-source Dijkstra by time with a per-source walking budget (see module docstring).

    Heap keys pack ``time << 32 | node`` into one int64.  ``time``/``budget`` (n_nodes int32)
    must hold ``UNREACHED``/0 on entry; returns the number of settled nodes.
    """
    heap = [np.int64(0)]
    heap.pop()
    for j in range(src_node.shape[0]):
        v = src_node[j]
        t = src_time[j]
        if t <= limit and (t < time[v] or (t == time[v] and src_budget[j] > budget[v])):
            time[v] = t
            budget[v] = src_budget[j]
            heapq.heappush(heap, (np.int64(t) << 32) | np.int64(v))
    settled = 0
    done = np.zeros(time.shape[0], dtype=np.bool_)
    while len(heap) > 0:
        key = heapq.heappop(heap)
        t = key >> 32
        v = key & 0xFFFFFFFF
        if done[v] or t > time[v]:
            continue
        done[v] = True
        settled += 1
        bv = budget[v]
        for e in range(first_out[v], first_out[v + 1]):
            c = cost[e]
            if c < 0 or c > bv:
                continue
            w = head[e]
            nt = t + c
            if nt > limit or done[w]:
                continue
            if nt < time[w] or (nt == time[w] and bv - c > budget[w]):
                time[w] = nt
                budget[w] = bv - c
                heapq.heappush(heap, (np.int64(nt) << 32) | np.int64(w))
    return settled


class _Worker:
    def __init__(self, engine: OneToAllEngine) -> None:
        self.raptor = RaptorState(engine.network.timetable, engine.config)
        self.street: StreetSearchState | None = (
            engine.router.new_state() if engine.router is not None else None
        )


class OneToAllEngine:
    """One-to-all searches on one network; thread-safe (search state per thread)."""

    def __init__(self, network: Network, config: RoutingConfig | None = None) -> None:
        self.network = network
        self.config = config or RoutingConfig()
        tt = network.timetable
        self.router: StreetRouter | None = (
            get_router(network.streets) if network.streets is not None else None
        )
        self.links = network.stop_links
        stops = StopIndex(tt.stop_lat, tt.stop_lon)
        self.proj = stops.proj
        self.stop_xy = stops.xy
        self.tree = stops.tree
        self._local = threading.local()

    def _worker(self) -> _Worker:
        w: _Worker | None = getattr(self._local, "w", None)
        if w is None:
            w = _Worker(self)
            self._local.w = w
        return w

    def run(self, req: OneToAllRequest) -> OneToAll:
        """Run the three steps of the module docstring for ``req``."""
        w = self._worker()
        tt = self.network.timetable
        n = tt.n_stops
        speed = req.walk_speed_mps
        horizon = req.max_time_s
        profile = WalkProfile(speed_mps=speed)
        stop_time = np.full(n, UNREACHED, dtype=np.int32)
        # -- 1. access --------------------------------------------------------------------
        node = -1
        node_cost = 0
        router, links = self.router, self.links
        if router is not None and w.street is not None:
            nn = router.nearest_node(req.lat, req.lon, max_m=MAX_SNAP_M, profile=profile)
            if nn is not None:
                g = router.graph
                d = haversine_m(req.lat, req.lon, float(g.node_lat[nn]), float(g.node_lon[nn]))
                node, node_cost = nn, math.ceil(d / speed)
        linked = np.zeros(n, dtype=np.bool_)
        if links is not None and router is not None:
            linked = np.asarray(links.node_a) >= 0
        if node >= 0 and node_cost <= horizon and router is not None and links is not None:
            assert w.street is not None
            stops, costs = router.stops_within(profile, [node], [node_cost], float(horizon),
                                               links, state=w.street)
            stop_time[stops] = costs
        # straight line: unlinked stops, or all stops when the origin has no street node
        d_m = haversine_many_m(req.lat, req.lon, np.asarray(tt.stop_lat), np.asarray(tt.stop_lon))
        crow_s = np.ceil(d_m * CROW_FLY_DETOUR / speed)
        street_linked = linked if node >= 0 else np.zeros(n, dtype=np.bool_)
        crow_ok = ~street_linked & (crow_s <= horizon)
        stop_time = np.where(crow_ok, np.minimum(stop_time, crow_s), stop_time).astype(np.int32)
        # -- 2. transit ---------------------------------------------------------------------
        transit_time = np.full(n, UNREACHED, dtype=np.int32)
        if req.transit:
            src = np.flatnonzero(stop_time <= req.max_access_s).astype(np.int32)
            if src.size:
                transit_time = self._raptor(w, req, src, stop_time[src])
        by_vehicle = transit_time < stop_time
        stop_time = np.minimum(stop_time, transit_time).astype(np.int32)
        # -- 3. walk on ---------------------------------------------------------------------
        reached = np.flatnonzero(by_vehicle & (stop_time <= horizon))
        crow_lat: list[float] = []
        crow_lon: list[float] = []
        crow_t: list[int] = []
        crow_b: list[int] = []
        if node < 0:
            crow_lat.append(req.lat)
            crow_lon.append(req.lon)
            crow_t.append(0)
            crow_b.append(horizon)
        nodes = np.zeros(0, np.int32)
        node_t = np.zeros(0, np.int32)
        node_b = np.zeros(0, np.int32)
        if router is not None and links is not None:
            st = reached[linked[reached]]
            unl = reached[~linked[reached]]
            a = np.asarray(links.node_a)[st]
            b = np.asarray(links.node_b)[st]
            da = np.ceil(np.asarray(links.dist_a_m)[st] / speed).astype(np.int64)
            db = np.ceil(np.asarray(links.dist_b_m)[st] / speed).astype(np.int64)
            t0 = stop_time[st].astype(np.int64)
            src_n = [a, b[b >= 0]]
            src_t = [t0 + da, (t0 + db)[b >= 0]]
            src_b = [req.max_egress_s - da, (req.max_egress_s - db)[b >= 0]]
            if node >= 0:
                src_n.append(np.array([node]))
                src_t.append(np.array([node_cost]))
                src_b.append(np.array([horizon - node_cost]))
            sn = np.concatenate(src_n).astype(np.int32)
            stt = np.concatenate(src_t).astype(np.int32)
            sb = np.concatenate(src_b).astype(np.int32)
            keep = sb >= 0
            nodes, node_t, node_b = self._walk(profile, sn[keep], stt[keep], sb[keep], horizon)
        else:
            unl = reached
        for s in unl.tolist():
            crow_lat.append(float(tt.stop_lat[s]))
            crow_lon.append(float(tt.stop_lon[s]))
            crow_t.append(int(stop_time[s]))
            crow_b.append(req.max_egress_s)
        # stops reached by walking on after transit
        if nodes.size and links is not None:
            stop_time = np.minimum(stop_time, self._stops_from_nodes(nodes, node_t, speed))
        stop_time = self._crow_on(stop_time, unl, street_linked, req)
        return OneToAll(
            stop_time_s=stop_time, stop_transit=by_vehicle & (stop_time == transit_time),
            node_idx=nodes, node_time_s=node_t, node_budget_s=node_b,
            crow_lat=np.array(crow_lat, np.float64), crow_lon=np.array(crow_lon, np.float64),
            crow_time_s=np.array(crow_t, np.int32), crow_budget_s=np.array(crow_b, np.int32),
        )

    def _raptor(self, w: _Worker, req: OneToAllRequest, src: I32, offsets: I32) -> I32:
        """Earliest vehicle arrival (seconds after departure) at every stop; no targets."""
        state = w.raptor
        cfg = self.config
        rounds = cfg.max_rounds
        if req.max_transfers is not None:
            rounds = min(rounds, req.max_transfers + 1)
        state.reset()
        xfer = state.xfer(cfg.default_min_transfer_s, cfg.default_max_transfer_walk_m)
        opts = np.array([0, rounds, req.time_s + req.max_time_s], dtype=np.int64)
        times = (offsets.astype(np.int64) + req.time_s).astype(np.int32)
        egress = np.zeros(0, dtype=np.int32)
        k = kernels.ea_run(state.net, state.no_rt, xfer[:4], state.svc_active(req.day), opts,
                           src, times, state.tgt_index, egress, state.lab, state.scr)
        arr = state.lab[0][: k + 1].min(axis=0).astype(np.int64)
        out = np.where(arr < UNREACHED, arr - req.time_s, UNREACHED)
        return out.astype(np.int32)

    def _stops_from_nodes(self, nodes: I32, node_t: I32, speed: float) -> I32:
        """Time at every linked stop from the node labels (the better link end)."""
        links = self.links
        assert links is not None and self.router is not None
        t = np.full(self.router.n_nodes, UNREACHED, dtype=np.int64)
        t[nodes] = node_t
        a = np.asarray(links.node_a)
        b = np.asarray(links.node_b)
        ta = np.where(a >= 0, t[np.maximum(a, 0)] + np.ceil(np.asarray(links.dist_a_m) / speed),
                      UNREACHED)
        tb = np.where(b >= 0, t[np.maximum(b, 0)] + np.ceil(np.asarray(links.dist_b_m) / speed),
                      UNREACHED)
        return np.minimum(np.minimum(ta, tb), UNREACHED).astype(np.int32)

    def _crow_on(self, stop_time: I32, sources: npt.NDArray[np.int64],
                 street_linked: npt.NDArray[np.bool_], req: OneToAllRequest) -> I32:
        """Straight-line walking on from transit-reached stops without streets."""
        if sources.size == 0:
            return stop_time
        tt = self.network.timetable
        out = stop_time.copy()
        lat, lon = np.asarray(tt.stop_lat), np.asarray(tt.stop_lon)
        for s in sources.tolist():
            t0 = int(stop_time[s])
            walk = min(req.max_time_s - t0, req.max_egress_s)
            if walk <= 0:
                continue
            near = np.array(self.tree.query_ball_point(
                self.stop_xy[s], walk * req.walk_speed_mps / CROW_FLY_DETOUR + 1.0), np.int64)
            near = near[~street_linked[near]]
            d = haversine_many_m(float(lat[s]), float(lon[s]), lat[near], lon[near])
            c = np.ceil(d * CROW_FLY_DETOUR / req.walk_speed_mps)
            ok = c <= walk
            out[near[ok]] = np.minimum(out[near[ok]], t0 + c[ok]).astype(np.int32)
        return out

    def _walk(self, profile: WalkProfile, src: I32, t: I32, budget: I32,
              limit: int) -> tuple[I32, I32, I32]:
        router = self.router
        assert router is not None
        nn = router.n_nodes
        time = np.full(nn, UNREACHED, dtype=np.int32)
        left = np.zeros(nn, dtype=np.int32)
        if src.size:
            _budget_dijkstra(router._first_out, router._head, router.edge_cost_s(profile),
                             src, t, budget, np.int32(limit), time, left)
        idx = np.flatnonzero(time <= limit).astype(np.int32)
        return idx, time[idx], left[idx]

    def warm(self) -> None:
        """Compile the kernels with one small query."""
        tt = self.network.timetable
        if tt.n_stops == 0:
            return
        day = tt.first_day + min(1, max(tt.n_days - 1, 0))
        self.run(OneToAllRequest(float(tt.stop_lat[0]), float(tt.stop_lon[0]), day, 8 * 3600,
                                 600))

