"""Pareto sets: a generic filter and the multi-criteria (McRAPTOR) driver.

Criteria are minimised tuples; ``a`` dominates ``b`` when ``a <= b`` component-wise and
``a != b``.  Equal tuples keep only the first item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from routing.path import Journey
from routing.raptor import kernels
from routing.raptor.reconstruct import Change, RawLeg, Ride, build_journey

T = TypeVar("T")


def dominates(a: Sequence[int], b: Sequence[int]) -> bool:
    """Whether criteria ``a`` dominate ``b`` (all <=, not all equal)."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and tuple(a) != tuple(b)


def pareto_filter(items: Sequence[T], *, key: Callable[[T], tuple[int, ...]]) -> list[T]:
    """Items whose key no other item dominates; one item per distinct key (the first)."""
    keyed = sorted(((key(it), n, it) for n, it in enumerate(items)), key=lambda e: (e[0], e[1]))
    front: list[tuple[tuple[int, ...], T]] = []
    seen: set[tuple[int, ...]] = set()
    for k, _n, it in keyed:
        if k in seen:
            continue
        # sorted lexicographically: only an earlier key can dominate this one
        if any(all(x <= y for x, y in zip(f, k, strict=True)) for f, _ in front):
            continue
        seen.add(k)
        front.append((k, it))
    return [it for _, it in front]


def _walk_labels(pool: tuple[Any, ...], x: int) -> tuple[list[RawLeg], int]:
    """Raw legs (forward order) ending with ride label ``x`` and the source index."""
    l_prev, l_kind, l_stop = pool[2], pool[3], pool[4]
    l_pat, l_trip, l_day, l_aux, l_apos = pool[5], pool[6], pool[7], pool[8], pool[9]
    out: list[RawLeg] = []
    while True:
        kind = int(l_kind[x])
        if kind == 1:
            out.append(Ride(int(l_trip[x]), int(l_pat[x]), int(l_aux[x]), int(l_apos[x]),
                            int(l_day[x])))  # fmt: skip
        elif kind in (2, 3):
            frm = int(l_stop[int(l_prev[x])])
            out.append(Change(frm, int(l_stop[x]), -1 if kind == 2 else int(l_aux[x])))
        else:
            out.reverse()
            return out, int(l_aux[x])
        x = int(l_prev[x])


def run_mc(
    state: Any, request: Any, prep: Any, xfer: tuple[Any, ...], egress: np.ndarray
) -> list[Journey]:
    """Run McRAPTOR (growing the label pool on overflow) and build the Pareto journeys."""
    tt = state.tt
    max_trips = int(np.max(np.diff(tt.pattern_trip_start))) if tt.n_patterns else 0
    i32 = np.int32
    route_bag = tuple(np.zeros(max_trips + 1, i32) for _ in range(4))
    src_walk = np.array([s.walk_s for s in request.sources], dtype=i32)
    tgt_walk = np.array([t.walk_s for t in request.targets], dtype=i32)
    times = (prep.src_offsets + request.time_s).astype(i32)
    horizon = request.time_s + state.config.max_travel_s
    opts = np.array([int(request.wheelchair), prep.rounds, horizon], dtype=np.int64)
    n_res_cap = 1024
    while True:
        pool = state.mc_pool()
        pool[12].fill(-1)
        pool[13].fill(-1)
        res = (np.zeros(n_res_cap, i32), np.zeros(n_res_cap, i32), np.zeros(n_res_cap, i32),
               np.zeros(n_res_cap, i32), np.zeros(n_res_cap, np.uint8))  # fmt: skip
        n_lab, n_res = kernels.mc_run(
            state.net, prep.rt, xfer[:5], prep.svc, opts, prep.src_stops, times, src_walk,
            state.tgt_index, egress, tgt_walk, pool, res, state.scr, route_bag, prep.nonfifo,
        )  # fmt: skip
        if n_lab >= 0:
            break
        scr = state.scr
        scr[0].fill(0)
        scr[2].fill(0)
        scr[6].fill(-1)
        state.pool_size *= 2
        n_res_cap *= 2
    pen = state.config.wheelchair_unknown_penalty_s if request.wheelchair == 1 else 0
    journeys: list[Journey] = []
    for j in range(n_res):
        if res[4][j]:
            continue
        x = int(res[3][j])
        raw, src = _walk_labels(pool, x)
        stop = int(pool[4][x])
        ti = int(state.tgt_index[stop])
        journeys.append(
            build_journey(
                tt, raw, day=request.day, xfer=xfer,
                source_offset_s=int(prep.src_offsets[src]),
                source_walk_s=request.sources[src].walk_s,
                target_offset_s=int(egress[ti]), target_walk_s=request.targets[ti].walk_s,
                delay_s=prep.rt[0], penalty_per_unknown_s=pen,
            )
        )  # fmt: skip
    front = pareto_filter(journeys, key=lambda jn: jn.criteria())
    return sorted(front, key=lambda jn: jn.criteria())
