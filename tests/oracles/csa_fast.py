"""Fast reference Connection Scan (earliest arrival per number of vehicles), numba-compiled.

The same rules and the same scan as :mod:`tests.oracles.csa`, for thousands of queries on
city feeds: the connections of every trip on service days day-1, day, day+1 (absolute times,
seconds of the query day) are built once per (timetable, :class:`Rules`) with numpy from the
:class:`~routing.timetable.Timetable` arrays, sorted by (departure, arrival) in the order
``csa.py`` generates them; transfers are resolved once by :func:`transit_rules.transfers`
(the oracles' own rules module).  Each query bisects to the first connection departing at or
after the earliest source time and scans until the horizon.  Written independently of the
RAPTOR code (nothing from ``routing.raptor`` is imported).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba as nb
import numpy as np
import numpy.typing as npt

from routing.constants import DAY_S
from routing.timetable import Timetable
from tests.oracles.transit_rules import Rules, transfers

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
B1 = npt.NDArray[np.bool_]

#: Unreached label (seconds); far above any query-day time (3 days < 2**18 s).
INF_S: int = 1 << 40


@dataclass(frozen=True)
class ConnectionIndex:
    """Connections and resolved transfers of one timetable under one :class:`Rules`.

    Connection arrays are sorted by (departure, arrival), times in seconds of the query day;
    ``conn_run`` is a dense id of the (trip, service-day offset) the connection belongs to.
    ``own_s[s]`` is the change time at stop ``s`` in seconds (-1 = changing is forbidden);
    ``edge_start``/``edge_to``/``edge_s`` the CSR of changes to other stops (seconds).
    """

    rules: Rules
    n_stops: int
    n_runs: int
    conn_dep: I64
    conn_arr: I64
    conn_from: I32
    conn_to: I32
    conn_run: I32
    conn_pick: B1
    conn_drop: B1
    own_s: I64
    edge_start: I32
    edge_to: I32
    edge_s: I64

    @property
    def n_connections(self) -> int:
        """Number of connections over the three service days."""
        return int(self.conn_dep.shape[0])


def _access_ok(values: npt.NDArray[np.int8], mode: int) -> B1:
    v = values.astype(np.int64)
    if mode == 0:
        return np.ones(v.shape[0], dtype=np.bool_)
    if mode == 1:
        return np.asarray(v != 2)
    return np.asarray(v == 1)


def _service_active(tt: Timetable, day: int) -> B1:
    """``active[service]`` for service date ``day`` (ISO ordinal)."""
    n_svc = int(tt.service_bits.shape[0])
    d = day - tt.first_day
    if d < 0 or d >= tt.n_days:
        return np.zeros(n_svc, dtype=np.bool_)
    words = tt.service_bits[:, d >> 6].astype(np.uint64)
    return np.asarray(((words >> np.uint64(d & 63)) & np.uint64(1)) == 1)


def build_index(tt: Timetable, rules: Rules) -> ConnectionIndex:
    """Connections of the query day's day-1, day, day+1 and the resolved transfers."""
    lengths = np.diff(tt.pattern_stop_start).astype(np.int64)
    n_trips_p = np.diff(tt.pattern_trip_start).astype(np.int64)
    n_st = int(tt.n_stop_times)
    # per stop time: pattern, trip, position
    st_pattern = np.repeat(np.arange(tt.n_patterns, dtype=np.int64), lengths * n_trips_p)
    offset = np.arange(n_st, dtype=np.int64) - tt.pattern_st_start[st_pattern].astype(np.int64)
    st_pos = offset % lengths[st_pattern]
    st_trip = tt.pattern_trip_start[st_pattern].astype(np.int64) + offset // lengths[st_pattern]
    st_stop = tt.pattern_stops[tt.pattern_stop_start[st_pattern].astype(np.int64) + st_pos]
    stop_ok = _access_ok(tt.stop_wheelchair, rules.wheelchair)
    pick = (tt.pickup_type.astype(np.int64) != 1) & stop_ok[st_stop]
    drop = (tt.drop_off_type.astype(np.int64) != 1) & stop_ok[st_stop]
    trip_ok = _access_ok(tt.trip_wheelchair, rules.wheelchair)
    # a connection leaves stop time i for i + 1 of the same trip
    src = np.flatnonzero(st_pos < lengths[st_pattern] - 1)
    deps: list[I64] = []
    arrs: list[I64] = []
    keys: list[tuple[I64, I64, I64]] = []
    runs: list[I64] = []
    for d in (-1, 0, 1):
        active = _service_active(tt, rules.day + d)[tt.trip_service] & trip_ok
        sel = src[active[st_trip[src]]]
        deps.append(tt.departure_s[sel].astype(np.int64) + d * DAY_S)
        arrs.append(tt.arrival_s[sel + 1].astype(np.int64) + d * DAY_S)
        keys.append((st_trip[sel], np.full(sel.shape[0], d, dtype=np.int64), st_pos[sel]))
        runs.append(sel)
    sel_all = np.concatenate(runs)
    dep = np.concatenate(deps)
    arr = np.concatenate(arrs)
    trip = np.concatenate([k[0] for k in keys])
    dayoff = np.concatenate([k[1] for k in keys])
    pos = np.concatenate([k[2] for k in keys])
    # csa.py's order: (dep, arr), ties in generation order (pattern, trip, day offset, pos);
    # trips are grouped by pattern in increasing order, so ``trip`` orders patterns too
    order = np.lexsort((pos, dayoff, trip, arr, dep))
    run_key = trip * 3 + (dayoff + 1)
    _, run_id = np.unique(run_key, return_inverse=True)
    n_runs = int(run_id.max()) + 1 if run_id.size else 0
    tr = transfers(tt, rules)
    own = np.array([-1 if o is None else o for o in tr.own], dtype=np.int64)
    counts = np.array([len(e) for e in tr.edges], dtype=np.int64)
    edge_start = np.zeros(tt.n_stops + 1, dtype=np.int32)
    np.cumsum(counts, out=edge_start[1:])
    edge_to = np.array([v for e in tr.edges for v in e], dtype=np.int32)
    edge_s = np.array([x[0] for e in tr.edges for x in e.values()], dtype=np.int64)
    i32 = np.int32
    return ConnectionIndex(
        rules=rules,
        n_stops=tt.n_stops,
        n_runs=n_runs,
        conn_dep=np.ascontiguousarray(dep[order]),
        conn_arr=np.ascontiguousarray(arr[order]),
        conn_from=np.ascontiguousarray(st_stop[sel_all][order].astype(i32)),
        conn_to=np.ascontiguousarray(st_stop[sel_all + 1][order].astype(i32)),
        conn_run=np.ascontiguousarray(run_id[order].astype(i32)),
        conn_pick=np.ascontiguousarray(pick[sel_all][order]),
        conn_drop=np.ascontiguousarray(drop[sel_all + 1][order]),
        own_s=own,
        edge_start=edge_start,
        edge_to=edge_to,
        edge_s=edge_s,
    )


@nb.njit(cache=True)
def _scan(
    dep: I64, arr: I64, c_from: I32, c_to: I32, c_run: I32, pick: B1, drop: B1,
    own: I64, e_start: I32, e_to: I32, e_s: I64,
    src_stop: I32, src_time: I64, egress: I64, kmax: int, horizon: int,
    ready: I64, on: B1, ready_min: I64, on_any: B1, best: I64,
) -> int:  # pragma: no cover - compiled
    """Scan connections; fill ``best[k]`` (arrival incl. egress with exactly-k labels).

    ``ready``/``on`` are (kmax+1, n) scratch arrays; ``egress[s]`` < 0 marks a non-target.
    Returns the number of connections scanned.
    """
    inf = INF_S
    ready[:, :] = inf
    on[:, :] = False
    ready_min[:] = inf
    on_any[:] = False
    best[:] = inf
    t0 = inf
    for j in range(src_stop.shape[0]):
        s = src_stop[j]
        ready[0, s] = min(ready[0, s], src_time[j])
        ready_min[s] = min(ready_min[s], src_time[j])
        t0 = min(t0, src_time[j])
    n = dep.shape[0]
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if dep[mid] < t0:
            lo = mid + 1
        else:
            hi = mid
    scanned = 0
    for c in range(lo, n):
        if dep[c] > horizon:
            break
        r = c_run[c]
        u = c_from[c]
        if not on_any[r] and (not pick[c] or ready_min[u] > dep[c]):
            continue
        scanned += 1
        if arr[c] > horizon:
            continue
        v = c_to[c]
        a = arr[c]
        for k in range(1, kmax + 1):
            riding = on[k, r]
            if not riding and pick[c] and ready[k - 1, u] <= dep[c]:
                on[k, r] = True
                on_any[r] = True
                riding = True
            if not riding or not drop[c]:
                continue
            if egress[v] >= 0 and a + egress[v] < best[k]:
                best[k] = a + egress[v]
            if own[v] >= 0 and a + own[v] < ready[k, v]:
                ready[k, v] = a + own[v]
                ready_min[v] = min(ready_min[v], ready[k, v])
            for e in range(e_start[v], e_start[v + 1]):
                w = e_to[e]
                if a + e_s[e] < ready[k, w]:
                    ready[k, w] = a + e_s[e]
                    ready_min[w] = min(ready_min[w], ready[k, w])
    return scanned


class FastCSA:
    """Reusable query object over a :class:`ConnectionIndex` (scratch arrays kept)."""

    def __init__(self, index: ConnectionIndex, max_vehicles: int) -> None:
        self.index = index
        self.kmax = max_vehicles
        k1 = max_vehicles + 1
        self._ready = np.empty((k1, index.n_stops), dtype=np.int64)
        self._on = np.empty((k1, max(index.n_runs, 1)), dtype=np.bool_)
        self._ready_min = np.empty(index.n_stops, dtype=np.int64)
        self._on_any = np.empty(max(index.n_runs, 1), dtype=np.bool_)
        self._best = np.empty(k1, dtype=np.int64)
        self._egress = np.full(index.n_stops, -1, dtype=np.int64)

    def earliest(
        self,
        sources: Sequence[tuple[int, int]],
        targets: Sequence[tuple[int, int]],
        horizon_s: int,
    ) -> list[float]:
        """Best arrival (seconds of the query day, egress included) with at most ``k``
        vehicles, ``k`` = 0..max_vehicles; ``inf`` when unreachable (index 0 always ``inf``).

        ``sources`` are (stop, ready time s), ``targets`` (stop, egress s), as in
        :func:`tests.oracles.csa.csa_earliest`.
        """
        ix = self.index
        eg = self._egress
        tgt = [s for s, _ in targets]
        for s, e in targets:
            eg[s] = e if eg[s] < 0 else min(int(eg[s]), e)
        try:
            _scan(
                ix.conn_dep, ix.conn_arr, ix.conn_from, ix.conn_to, ix.conn_run,
                ix.conn_pick, ix.conn_drop, ix.own_s, ix.edge_start, ix.edge_to, ix.edge_s,
                np.array([s for s, _ in sources], dtype=np.int32),
                np.array([t for _, t in sources], dtype=np.int64),
                eg, self.kmax, int(horizon_s),
                self._ready, self._on, self._ready_min, self._on_any, self._best,
            )  # fmt: skip
        finally:
            eg[tgt] = -1
        out: list[float] = [float("inf")] * (self.kmax + 1)
        for k in range(1, self.kmax + 1):
            b = int(self._best[k])
            out[k] = min(out[k - 1], float(b) if b < INF_S else float("inf"))
        return out
