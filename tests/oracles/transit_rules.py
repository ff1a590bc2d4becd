"""The transit rules of ARCHITECTURE.md in plain Python, written independently of the RAPTOR
kernels, for the oracles: trip candidates over three service days and transfer resolution."""

from __future__ import annotations

from dataclasses import dataclass

from routing.constants import DAY_S, TRANSFER_FOOTPATH
from routing.timetable import Timetable


@dataclass(frozen=True)
class Rules:
    """Query parameters that change which moves are allowed."""

    day: int
    min_transfer_s: int = 60
    max_walk_m: int = 500
    wheelchair: int = 0  # 0 off, 1 allow unknown, 2 strict


@dataclass(frozen=True)
class Run:
    """One trip on one service day, with absolute stop times (seconds of the query day)."""

    trip: int
    day_offset: int
    stops: tuple[int, ...]
    arr: tuple[int, ...]
    dep: tuple[int, ...]
    pickup_ok: tuple[bool, ...]
    drop_ok: tuple[bool, ...]


def _access_ok(value: int, mode: int) -> bool:
    if mode == 0:
        return True
    if mode == 1:
        return value != 2
    return value == 1


def stop_ok(tt: Timetable, stop: int, rules: Rules) -> bool:
    """Whether a rider may board/alight at ``stop`` under the wheelchair rule."""
    return _access_ok(int(tt.stop_wheelchair[stop]), rules.wheelchair)


def runs(tt: Timetable, rules: Rules) -> list[Run]:
    """Every (trip, service day) active for the query day's day-1, day, day+1."""
    out: list[Run] = []
    for p in range(tt.n_patterns):
        a, b = int(tt.pattern_stop_start[p]), int(tt.pattern_stop_start[p + 1])
        stops = tuple(int(s) for s in tt.pattern_stops[a:b])
        length = b - a
        for t in range(int(tt.pattern_trip_start[p]), int(tt.pattern_trip_start[p + 1])):
            if not _access_ok(int(tt.trip_wheelchair[t]), rules.wheelchair):
                continue
            base = int(tt.pattern_st_start[p]) + (t - int(tt.pattern_trip_start[p])) * length
            for d in (-1, 0, 1):
                if not tt.is_active(int(tt.trip_service[t]), rules.day + d):
                    continue
                sl = range(base, base + length)
                out.append(
                    Run(
                        t,
                        d,
                        stops,
                        tuple(int(tt.arrival_s[i]) + d * DAY_S for i in sl),
                        tuple(int(tt.departure_s[i]) + d * DAY_S for i in sl),
                        tuple(
                            int(tt.pickup_type[i]) != 1 and stop_ok(tt, s, rules)
                            for i, s in zip(sl, stops, strict=True)
                        ),
                        tuple(
                            int(tt.drop_off_type[i]) != 1 and stop_ok(tt, s, rules)
                            for i, s in zip(sl, stops, strict=True)
                        ),
                    )
                )
    return out


@dataclass(frozen=True)
class Transfers:
    """Resolved changes: ``own[s]`` seconds to change at ``s`` (None = forbidden);
    ``edges[s]`` maps another stop to (duration_s, walk_s)."""

    own: list[int | None]
    edges: list[dict[int, tuple[int, int]]]


_RANK = {3: 5, 1: 4, 2: 3, 0: 2, TRANSFER_FOOTPATH: 1}


def transfers(tt: Timetable, rules: Rules) -> Transfers:
    """Apply transfers.txt precedence (forbidden > timed > min time > recommended >
    footpath; the first row wins among equals)."""
    own: list[int | None] = []
    edges: list[dict[int, tuple[int, int]]] = []
    mts = rules.min_transfer_s
    for u in range(tt.n_stops):
        best: dict[int, tuple[int, int, int]] = {}  # to -> (rank, seconds, row)
        for r in range(int(tt.transfer_start[u]), int(tt.transfer_start[u + 1])):
            v, kind = int(tt.transfer_to[r]), int(tt.transfer_kind[r])
            if kind == TRANSFER_FOOTPATH and (v == u or int(tt.transfer_m[r]) > rules.max_walk_m):
                continue
            rank = _RANK[kind]
            if v not in best or rank > best[v][0]:
                best[v] = (rank, int(tt.transfer_s[r]), kind)
        o: int | None = mts
        e: dict[int, tuple[int, int]] = {}
        for v, (_rank, secs, kind) in best.items():
            if v == u:
                o = None if kind == 3 else 0 if kind == 1 else secs if kind == 2 else mts
            elif kind == 3:
                continue
            elif kind == 1:
                e[v] = (0, 0)
            elif kind == 2:
                e[v] = (secs, secs)
            else:
                e[v] = (max(secs, mts), secs)
        if not stop_ok(tt, u, rules):
            o = None
        own.append(o)
        edges.append({v: x for v, x in e.items() if stop_ok(tt, v, rules)})
    return Transfers(own, edges)
