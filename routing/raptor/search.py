"""Typed public API of the transit search (earliest arrival, range, Pareto, arrive-by).

Every function takes a per-worker :class:`~routing.raptor.state.RaptorState` (which owns the
timetable and the config), a validated :class:`~routing.request.TransitRequest`, and optional
realtime arrays; it resets the state, runs the kernels and returns :class:`Journey` objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.errors import InvalidRequestError
from routing.path import Journey
from routing.raptor import kernels
from routing.raptor.pareto import pareto_filter, run_mc
from routing.raptor.reconstruct import build_journey, reverse_raw, walk_back
from routing.raptor.state import ActiveIndex, RaptorState, RealtimeArrays
from routing.request import TransitRequest

I32 = npt.NDArray[np.int32]


@dataclass(frozen=True)
class _Prepared:
    rounds: int
    min_transfer_s: int
    max_walk_m: int
    src_stops: I32
    src_offsets: I32
    tgt_stops: I32
    tgt_offsets: I32
    svc: npt.NDArray[np.uint8]
    act: ActiveIndex
    rt: tuple[Any, ...]
    nonfifo: npt.NDArray[np.uint8]
    max_delay: int
    min_delay: int


def _prepare(state: RaptorState, req: TransitRequest, realtime: RealtimeArrays | None) -> _Prepared:
    cfg = state.config
    n = state.tt.n_stops
    for name, places in (("sources", req.sources), ("targets", req.targets)):
        for st in places:
            if st.stop >= n:
                raise InvalidRequestError(f"{name}: stop={st.stop!r} out of range 0..{n - 1}")
    rounds = cfg.max_rounds
    if req.max_transfers is not None:
        rounds = min(rounds, req.max_transfers + 1)
    mts = cfg.default_min_transfer_s if req.min_transfer_s is None else req.min_transfer_s
    walk_m = (
        cfg.default_max_transfer_walk_m
        if req.max_transfer_walk_m is None
        else req.max_transfer_walk_m
    )
    rt = state.no_rt
    if realtime is not None:
        tt = state.tt
        if realtime.delay_s.shape[0] not in (0, tt.n_stop_times):
            raise InvalidRequestError(f"delay_s: length {realtime.delay_s.shape[0]} != stop times")
        if realtime.trip_cancelled.shape[0] not in (0, tt.n_trips):
            raise InvalidRequestError(f"trip_cancelled: length {realtime.trip_cancelled.shape[0]}")
        rt = (realtime.delay_s.astype(np.int32, copy=False),
              realtime.trip_cancelled.astype(np.bool_, copy=False))
    i32 = np.int32
    svc, act = state.day_index(req.day)
    return _Prepared(
        rounds, mts, walk_m,
        np.array([s.stop for s in req.sources], dtype=i32),
        np.array([s.offset_s for s in req.sources], dtype=i32),
        np.array([s.stop for s in req.targets], dtype=i32),
        np.array([s.offset_s for s in req.targets], dtype=i32),
        svc, act, rt, *state.delay_summary(rt[0]),
    )  # fmt: skip


def _set_targets(state: RaptorState, stops: I32, offsets: I32) -> I32:
    """Fill ``tgt_index`` (cheapest egress per stop); return the egress array."""
    egress = np.zeros(stops.shape[0], dtype=np.int32)
    for j, (s, off) in enumerate(zip(stops.tolist(), offsets.tolist(), strict=True)):
        cur = int(state.tgt_index[s])
        if cur < 0 or off < egress[cur]:
            state.tgt_index[s] = j
        egress[j] = off
    return egress


def _bounds(
    state: RaptorState, prep: _Prepared, stops: I32, offsets: I32, *, reverse: bool
) -> I32:
    """Lower bounds towards ``stops`` (the search frame's targets), under the query's delays."""
    return state.lower_bounds(stops, offsets, prep.min_transfer_s, prep.max_walk_m,
                              reverse=reverse, delay_s=prep.rt[0])  # fmt: skip


def _clear_targets(state: RaptorState, stops: I32) -> None:
    state.tgt_index[stops] = -1


def _wc_mode(req: TransitRequest) -> int:
    return int(req.wheelchair)


def _opts(
    req: TransitRequest,
    rounds: int,
    horizon: int,
    first_wait_max: int = int(kernels.UNREACHED),
    fresh: bool = False,
    delays: tuple[int, int] = (0, 0),
) -> npt.NDArray[np.int64]:
    """Kernel options: wheelchair, rounds, horizon, first wait, fresh, (unused), largest and
    smallest delay."""
    return np.array(
        [_wc_mode(req), rounds, horizon, first_wait_max, int(fresh), 0, delays[0], delays[1]],
        dtype=np.int64,
    )


def _target_of(req: TransitRequest, stops: I32, tgt_index: I32, stop: int) -> int:
    return int(tgt_index[stop])


def _collect_forward(
    state: RaptorState,
    req: TransitRequest,
    prep: _Prepared,
    xfer: tuple[Any, ...],
    egress: I32,
    improved: list[int],
    out: list[Journey],
) -> None:
    """Reconstruct the round-k target labels listed in ``improved``."""
    lab = state.lab
    pen = state.config.wheelchair_unknown_penalty_s if req.wheelchair == 1 else 0
    for k in improved:
        stop = int(lab[12][k])
        ti = int(state.tgt_index[stop])
        raw, src = walk_back(lab, state.net, k, stop)
        raw.reverse()
        out.append(
            build_journey(
                state.tt, raw, day=req.day, xfer=xfer,
                source_offset_s=int(prep.src_offsets[src]),
                source_walk_s=req.sources[src].walk_s,
                target_offset_s=int(egress[ti]), target_walk_s=req.targets[ti].walk_s,
                delay_s=prep.rt[0], penalty_per_unknown_s=pen,
            )
        )  # fmt: skip


def earliest_arrival(
    state: RaptorState, request: TransitRequest, *, realtime: RealtimeArrays | None = None
) -> list[Journey]:
    """Earliest-arrival RAPTOR from ``request.time_s``.

    Returns one journey per number of transfers that improves the arrival (a Pareto set on
    arrival and transfers), fewest transfers first; the last one arrives earliest.  Empty when
    no target is reachable within ``config.max_travel_s``.
    """
    if request.arrive_by:
        return latest_departure(state, request, realtime=realtime)
    prep = _prepare(state, request, realtime)
    state.reset()
    xfer = state.xfer(prep.min_transfer_s, prep.max_walk_m)
    egress = _set_targets(state, prep.tgt_stops, prep.tgt_offsets)
    try:
        times = (prep.src_offsets + request.time_s).astype(np.int32)
        horizon = request.time_s + state.config.max_travel_s
        opts = _opts(request, prep.rounds, horizon, fresh=True,
                     delays=(prep.max_delay, prep.min_delay))
        lb = _bounds(state, prep, prep.tgt_stops, prep.tgt_offsets, reverse=False)
        k = kernels.ea_run_active(
            state.net, prep.rt, xfer[:4], prep.act, opts, prep.src_stops, times,
            state.tgt_index, egress, state.lab, state.scr, lb, prep.nonfifo,
        )  # fmt: skip
        best = state.lab[11]
        improved = [
            r for r in range(1, k + 1) if best[r] < kernels.UNREACHED and best[r] < best[r - 1]
        ]
        out: list[Journey] = []
        _collect_forward(state, request, prep, xfer, egress, improved, out)
        return out
    finally:
        _clear_targets(state, prep.tgt_stops)


def earliest_arrival_time(
    state: RaptorState, request: TransitRequest, *, realtime: RealtimeArrays | None = None
) -> int | None:
    """Earliest arrival at a target (egress offset included), seconds of ``request.day``, or
    ``None`` when no target is reachable: the number :func:`earliest_arrival` would return as
    its last journey's ``arr_s``, without building journeys.

    For callers that need times only (travel-time matrices, reachability checks): the whole
    query runs in one compiled call on the state's cached
    :class:`~routing.raptor.context.QueryContext`.  Arrive-by requests, realtime delays and
    more targets than stops take the general path.
    """
    if request.arrive_by:
        raise InvalidRequestError("arrive_by: earliest_arrival_time is forward only")
    delays = realtime is not None and realtime.delay_s.shape[0] > 0
    if delays or len(request.targets) > state.tt.n_stops or (
        realtime is not None and realtime.trip_cancelled.shape[0] > 0
    ):
        found = earliest_arrival(state, request, realtime=realtime)
        return int(found[-1].arr_s) if found else None
    n = state.tt.n_stops
    for st in request.sources:
        if st.stop >= n:
            raise InvalidRequestError(f"sources: stop={st.stop!r} out of range 0..{n - 1}")
    for st in request.targets:
        if st.stop >= n:
            raise InvalidRequestError(f"targets: stop={st.stop!r} out of range 0..{n - 1}")
    cfg = state.config
    rounds = cfg.max_rounds
    if request.max_transfers is not None:
        rounds = min(rounds, request.max_transfers + 1)
    mts = cfg.default_min_transfer_s if request.min_transfer_s is None else request.min_transfer_s
    walk_m = (cfg.default_max_transfer_walk_m if request.max_transfer_walk_m is None
              else request.max_transfer_walk_m)  # fmt: skip
    ctx = state.query_context(request.day, mts, walk_m)
    t = request.time_s
    opts = state.query_opts
    opts[0], opts[1], opts[2] = _wc_mode(request), rounds, t + cfg.max_travel_s
    srcs, tgts = request.sources, request.targets
    if len(srcs) == 1 and len(tgts) == 1:  # stop to stop: the context holds the query
        src_stop, src_time, tgt_stop, tgt_off = state.one_to_one
        src_stop[0], src_time[0] = srcs[0].stop, srcs[0].offset_s + t
        tgt_stop[0], tgt_off[0] = tgts[0].stop, tgts[0].offset_s
        got = kernels.arrival_time_one(ctx)
    else:
        i32 = np.int32
        got = kernels.arrival_time(
            ctx, np.array([s.stop for s in srcs], i32),
            np.array([s.offset_s + t for s in srcs], i32),
            np.array([s.stop for s in tgts], i32), np.array([s.offset_s for s in tgts], i32),
        )  # fmt: skip
    return None if got >= kernels.UNREACHED else got


def range_search(
    state: RaptorState, request: TransitRequest, *, realtime: RealtimeArrays | None = None
) -> list[Journey]:
    """Range RAPTOR over departures in ``[time_s, time_s + window_s]``.

    Returns the Pareto set, among journeys whose first vehicle leaves (minus the access
    offset) inside the window, on (later departure, earlier arrival, fewer transfers), sorted
    by departure.  Labels of later departures bound earlier runs (Delling et al., rRAPTOR).
    """
    prep = _prepare(state, request, realtime)
    state.reset()
    xfer = state.xfer(prep.min_transfer_s, prep.max_walk_m)
    egress = _set_targets(state, prep.tgt_stops, prep.tgt_offsets)
    t_lo, t_hi = request.time_s, request.time_s + request.window_s
    try:
        buf = np.empty(4096, dtype=np.int32)
        n = kernels.collect_departures(
            state.net, prep.svc, prep.src_stops, prep.src_offsets, t_lo, t_hi, buf
        )
        if n > buf.shape[0]:
            buf = np.empty(n, dtype=np.int32)
            kernels.collect_departures(
                state.net, prep.svc, prep.src_stops, prep.src_offsets, t_lo, t_hi, buf
            )
        taus = np.unique(buf[:n])[::-1]
        horizon = t_lo + state.config.max_travel_s
        best = state.lab[11]
        out: list[Journey] = []
        for tau in taus.tolist():
            before = best.copy()
            opts = _opts(request, prep.rounds, horizon, t_hi - tau,
                         delays=(prep.max_delay, prep.min_delay))
            times = (prep.src_offsets + tau).astype(np.int32)
            k = kernels.ea_run_active(
                state.net, prep.rt, xfer[:4], prep.act, opts, prep.src_stops, times,
                state.tgt_index, egress, state.lab, state.scr, state.no_lb, prep.nonfifo,
            )  # fmt: skip
            improved = [
                r for r in range(1, k + 1)
                if best[r] < before[r] and best[r] < best[r - 1]
            ]  # fmt: skip
            _collect_forward(state, request, prep, xfer, egress, improved, out)
        front = pareto_filter(out, key=lambda j: (-j.dep_s, j.arr_s, j.transfers))
        return sorted(front, key=lambda j: (j.dep_s, j.arr_s, j.transfers))
    finally:
        _clear_targets(state, prep.tgt_stops)


def latest_departure(
    state: RaptorState, request: TransitRequest, *, realtime: RealtimeArrays | None = None
) -> list[Journey]:
    """Arrive-by: latest departure from the sources arriving at a target by ``time_s``.

    Runs earliest-arrival RAPTOR on the time-reversed timetable.  Returns one journey per
    number of transfers that improves the departure, fewest transfers first; the last one
    departs latest.
    """
    prep = _prepare(state, request, realtime)
    state.reset()
    rev = state.reversed
    xfer = state.xfer(prep.min_transfer_s, prep.max_walk_m)
    rxfer = state.reversed_xfer(prep.min_transfer_s, prep.max_walk_m)
    # reversed roles: the request's targets are the sources, its sources the targets
    access = _set_targets(state, prep.src_stops, prep.src_offsets)
    rt = prep.rt
    if rt[0].shape[0] or rt[1].shape[0]:
        d = rt[0]
        rt = (
            np.ascontiguousarray(-d[rev.st_of]) if d.shape[0] else d,
            np.ascontiguousarray(rt[1][rev.trip_of]) if rt[1].shape[0] else rt[1],
        )
    _svc, act = state.day_index(request.day, reverse=True)
    try:
        times = (prep.tgt_offsets - request.time_s).astype(np.int32)
        horizon = -request.time_s + state.config.max_travel_s
        lb = _bounds(state, prep, prep.src_stops, prep.src_offsets, reverse=True)
        nonfifo, max_delay, min_delay = state.delay_summary(prep.rt[0], reverse=True)
        opts = _opts(request, prep.rounds, horizon, fresh=True, delays=(max_delay, min_delay))
        k = kernels.ea_run_active(
            rev.net, rt, rxfer[:4], act, opts, prep.tgt_stops, times, state.tgt_index, access,
            state.lab, state.scr, lb, nonfifo,
        )  # fmt: skip
        lab = state.lab
        best = lab[11]
        pen = state.config.wheelchair_unknown_penalty_s if request.wheelchair == 1 else 0
        out: list[Journey] = []
        for r in range(1, k + 1):
            if not (best[r] < kernels.UNREACHED and best[r] < best[r - 1]):
                continue
            stop = int(lab[12][r])
            si = int(state.tgt_index[stop])
            raw, ti = walk_back(lab, rev.net, r, stop)  # reversed frame, forward order
            fwd = reverse_raw(raw, state.tt, rev.trip_of, rxfer[5])
            out.append(
                build_journey(
                    state.tt, fwd, day=request.day, xfer=xfer,
                    source_offset_s=int(access[si]), source_walk_s=request.sources[si].walk_s,
                    target_offset_s=int(prep.tgt_offsets[ti]),
                    target_walk_s=request.targets[ti].walk_s,
                    delay_s=prep.rt[0], penalty_per_unknown_s=pen,
                )
            )  # fmt: skip
        return out
    finally:
        _clear_targets(state, prep.src_stops)


def pareto_search(
    state: RaptorState, request: TransitRequest, *, realtime: RealtimeArrays | None = None
) -> list[Journey]:
    """Multi-criteria RAPTOR: all Pareto-optimal journeys on (arrival, transfers, walking).

    Walking counts access and egress ``walk_s`` and footpath walking between stops.  Returns
    the Pareto set sorted by (arrival, transfers, walking).
    """
    prep = _prepare(state, request, realtime)
    xfer = state.xfer(prep.min_transfer_s, prep.max_walk_m)
    egress = _set_targets(state, prep.tgt_stops, prep.tgt_offsets)
    try:
        return run_mc(state, request, prep, xfer, egress)
    finally:
        _clear_targets(state, prep.tgt_stops)
