"""Reference Connection Scan (earliest arrival per number of vehicles), plain Python.

Written from the rules in ARCHITECTURE.md, independently of the RAPTOR code: connections of
every trip on service days day-1, day, day+1, scanned by departure time; per number of vehicles
``k`` a label of "ready to board" times and a flag per reachable (trip, day).
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.timetable import Timetable
from tests.oracles.transit_rules import Rules, runs, transfers

INF = float("inf")


def csa_earliest(
    tt: Timetable,
    rules: Rules,
    sources: Sequence[tuple[int, int]],
    targets: Sequence[tuple[int, int]],
    max_vehicles: int,
    horizon_s: int | None = None,
) -> list[float]:
    """Best arrival at a target (incl. egress) using at most ``k`` vehicles, ``k`` = 0..max.

    ``sources`` are (stop, ready time in seconds of the query day), ``targets`` are
    (stop, egress seconds).  Index 0 is always ``inf`` (no vehicle, no arrival).
    """
    tr = transfers(tt, rules)
    conns = []
    for run in runs(tt, rules):
        for i in range(len(run.stops) - 1):
            conns.append((run.dep[i], run.arr[i + 1], i, run))
    conns.sort(key=lambda c: (c[0], c[1]))
    kmax = max_vehicles
    ready: list[dict[int, float]] = [dict() for _ in range(kmax + 1)]
    for s, t in sources:
        ready[0][s] = min(ready[0].get(s, INF), t)
    on: list[set[tuple[int, int]]] = [set() for _ in range(kmax + 1)]
    best = [INF] * (kmax + 1)
    egress: dict[int, int] = {}
    for s, e in targets:
        egress[s] = min(egress.get(s, 1 << 40), e)
    for dep, arr, i, run in conns:
        if horizon_s is not None and arr > horizon_s:
            continue
        key = (run.trip, run.day_offset)
        for k in range(1, kmax + 1):
            riding = key in on[k]
            if not riding and run.pickup_ok[i] and ready[k - 1].get(run.stops[i], INF) <= dep:
                on[k].add(key)
                riding = True
            if not riding or not run.drop_ok[i + 1]:
                continue
            s = run.stops[i + 1]
            if s in egress:
                best[k] = min(best[k], arr + egress[s])
            own = tr.own[s]
            if own is not None and arr + own < ready[k].get(s, INF):
                ready[k][s] = arr + own
            for v, (dur, _w) in tr.edges[s].items():
                if arr + dur < ready[k].get(v, INF):
                    ready[k][v] = arr + dur
    out = [INF] * (kmax + 1)
    for k in range(1, kmax + 1):
        out[k] = min(out[k - 1], best[k])
    return out
