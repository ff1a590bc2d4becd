"""Per-worker RAPTOR state: label arrays sized to the timetable, allocated once, reset per query.

A :class:`RaptorState` belongs to one worker (thread or process) and one timetable; it must not
be shared by concurrent queries.  ``reset()`` touches only the stops the last query labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.config import RoutingConfig
from routing.raptor import kernels
from routing.raptor.context import QueryContext, make_context
from routing.raptor.lower_bounds import RideGraph, ride_graph
from routing.timetable import Timetable

I32 = npt.NDArray[np.int32]
NetArrays = tuple[Any, ...]
XferArrays = tuple[I32, I32, I32, I32, I32, I32]
#: :func:`routing.raptor.kernels.active_index` of one day: act_start, act_pos, act_lo, act_hi.
ActiveIndex = tuple[I32, I32, I32, I32]
#: Query days whose service index a state keeps (a worker mostly serves today and tomorrow).
DAY_CACHE_SIZE = 4


@dataclass(frozen=True)
class RealtimeArrays:
    """Realtime overlay passed to the kernels (never edits the timetable).

    ``delay_s``: int32 per stop time (same indexing as ``Timetable.arrival_s``), added to
    arrival and departure; ``trip_cancelled``: bool per trip.
    """

    delay_s: npt.NDArray[np.int32]
    trip_cancelled: npt.NDArray[np.bool_]


def pattern_bounds(tt: Timetable) -> tuple[I32, I32]:
    """Per pattern the earliest and latest departure over all its stop times, seconds."""
    if tt.n_patterns == 0:
        z = np.zeros(0, dtype=np.int32)
        return z, z
    starts = tt.pattern_st_start[:-1].astype(np.int64)
    lo = np.minimum.reduceat(tt.departure_s, starts).astype(np.int32)
    hi = np.maximum.reduceat(tt.departure_s, starts).astype(np.int32)
    return lo, hi


def net_arrays(tt: Timetable) -> NetArrays:
    """The ``net`` tuple of :mod:`routing.raptor.kernels` (contiguous arrays, no copies if
    already contiguous)."""
    c = np.ascontiguousarray
    lo, hi = pattern_bounds(tt)
    return (
        c(tt.pattern_stop_start), c(tt.pattern_stops), c(tt.pattern_trip_start),
        c(tt.pattern_st_start), c(tt.trip_service), c(tt.arrival_s), c(tt.departure_s),
        c(tt.pickup_type), c(tt.drop_off_type), c(tt.stop_pattern_start), c(tt.stop_patterns),
        c(tt.stop_pattern_pos), lo, hi, c(tt.trip_wheelchair), c(tt.stop_wheelchair),
    )  # fmt: skip


@dataclass(frozen=True)
class ReversedTimetable:
    """Time-reversed copy of a timetable's routing arrays for arrive-by searches.

    Times are negated, each pattern's stops and trips are reversed (so the copy is FIFO again),
    arrival/departure and pickup/drop-off swap.  ``trip_of`` maps a reversed trip to the
    original, ``st_of`` a reversed stop-time index to the original.
    """

    net: NetArrays
    trip_of: I32
    st_of: I32


def build_reversed(tt: Timetable) -> ReversedTimetable:
    """Build the reversed copy (O(stop times), once per timetable and worker)."""
    n_st = tt.n_stop_times
    st_of = np.empty(n_st, dtype=np.int64)
    trip_of = np.empty(tt.n_trips, dtype=np.int32)
    rev_stops = np.empty_like(tt.pattern_stops)
    for p in range(tt.n_patterns):
        a, b = int(tt.pattern_stop_start[p]), int(tt.pattern_stop_start[p + 1])
        length = b - a
        rev_stops[a:b] = tt.pattern_stops[a:b][::-1]
        t0, t1 = int(tt.pattern_trip_start[p]), int(tt.pattern_trip_start[p + 1])
        n = t1 - t0
        trip_of[t0:t1] = np.arange(t1 - 1, t0 - 1, -1, dtype=np.int32)
        base = int(tt.pattern_st_start[p])
        grid = np.arange(base, base + n * length).reshape(n, length)
        st_of[base : base + n * length] = grid[::-1, ::-1].ravel()
    arr = (-tt.departure_s[st_of]).astype(np.int32)
    dep = (-tt.arrival_s[st_of]).astype(np.int32)
    pos = np.empty_like(tt.stop_pattern_pos)
    lengths = np.diff(tt.pattern_stop_start)
    pos[:] = lengths[tt.stop_patterns] - 1 - tt.stop_pattern_pos
    lo = np.zeros(tt.n_patterns, dtype=np.int32)
    hi = np.zeros(tt.n_patterns, dtype=np.int32)
    if tt.n_patterns:
        starts = tt.pattern_st_start[:-1].astype(np.int64)
        lo = np.minimum.reduceat(dep, starts).astype(np.int32)
        hi = np.maximum.reduceat(dep, starts).astype(np.int32)
    net = (
        tt.pattern_stop_start, rev_stops, tt.pattern_trip_start, tt.pattern_st_start,
        np.ascontiguousarray(tt.trip_service[trip_of]), arr, dep,
        np.ascontiguousarray(tt.drop_off_type[st_of]), np.ascontiguousarray(tt.pickup_type[st_of]),
        tt.stop_pattern_start, tt.stop_patterns, pos, lo, hi,
        np.ascontiguousarray(tt.trip_wheelchair[trip_of]), tt.stop_wheelchair,
    )  # fmt: skip
    return ReversedTimetable(net, trip_of, st_of.astype(np.int32))


def reverse_xfer(x: XferArrays, n_stops: int) -> XferArrays:
    """Resolved transfers with every edge reversed (CSR by to-stop); the last array maps each
    reversed row to its forward resolved row."""
    own, start, to, dur, walk, row = x
    src = np.repeat(np.arange(n_stops, dtype=np.int32), np.diff(start))
    order = np.argsort(to, kind="stable")
    counts = np.bincount(to, minlength=n_stops)
    rstart = np.zeros(n_stops + 1, dtype=np.int32)
    rstart[1:] = np.cumsum(counts)
    # the last array maps a reversed row to the forward resolved row (not a timetable row)
    del row
    return (
        own, rstart, src[order].astype(np.int32), dur[order], walk[order],
        order.astype(np.int32),
    )  # fmt: skip


class RaptorState:
    """Reusable scratch arrays of the transit search for one timetable (one per worker).

    Parameters
    ----------
    tt : the timetable searched.
    config : tuning; ``max_rounds`` sizes the label arrays.
    """

    def __init__(self, tt: Timetable, config: RoutingConfig | None = None) -> None:
        self.tt = tt
        self.config = config or RoutingConfig()
        n, rounds = tt.n_stops, self.config.max_rounds + 1
        self.net: NetArrays = net_arrays(tt)
        unreached = kernels.UNREACHED

        def grid() -> I32:
            return np.zeros((rounds, n), dtype=np.int32)

        arr = np.full((rounds, n), unreached, dtype=np.int32)
        brd = np.full((rounds, n), unreached, dtype=np.int32)
        self.lab = (
            arr, brd, grid(), grid(), grid(), grid(), grid(), grid(), grid(), grid(), grid(),
            np.full(rounds, unreached, dtype=np.int32), np.full(rounds, -1, dtype=np.int32),
        )  # fmt: skip
        u8 = np.uint8
        self.scr = (
            np.zeros(n, u8), np.zeros(n, np.int32), np.zeros(n, u8), np.zeros(n, np.int32),
            np.zeros(n, u8), np.zeros(n, np.int32), np.full(tt.n_patterns, -1, np.int32),
            np.zeros(tt.n_patterns, np.int32), np.zeros(n, u8), np.zeros(n, np.int32),
            np.zeros(1, np.int64), np.zeros(tt.n_patterns, np.int32),
        )  # fmt: skip
        self.tgt_index = np.full(n, -1, dtype=np.int32)
        self.no_rt = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.bool_))
        self._xfer: dict[tuple[int, int], XferArrays] = {}
        self._rxfer: dict[tuple[int, int], XferArrays] = {}
        self._reversed: ReversedTimetable | None = None
        self.pool_size = self.config.max_pareto_labels
        self._mc: tuple[Any, ...] | None = None
        self._days: dict[tuple[int, bool], tuple[npt.NDArray[np.uint8], ActiveIndex]] = {}
        self._ride: dict[bool, RideGraph] = {}
        self._ride_rt: dict[bool, tuple[I32, RideGraph | None]] = {}
        self.no_nonfifo = np.zeros(0, dtype=np.uint8)
        self._nonfifo: dict[bool, tuple[I32, tuple[npt.NDArray[np.uint8], int, int]]] = {}
        self._ctx: dict[tuple[int, int, int], QueryContext] = {}
        self.one_to_one = tuple(np.zeros(1, dtype=np.int32) for _ in range(4))
        """Source stop, source time, target stop, target offset of a stop-to-stop query."""
        self.query_opts = np.array([0, 1, 0, kernels.UNREACHED, 1, 1], dtype=np.int64)
        """Options of :func:`~routing.raptor.kernels.arrival_time` (wheelchair, rounds,
        horizon, -, fresh, lower bounds), written before each query."""
        self.lb = np.full(n, kernels.UNREACHED, dtype=np.int32)
        """Lower bounds of the last :meth:`lower_bounds` call, seconds per stop."""
        self.no_lb = np.zeros(0, dtype=np.int32)
        self._lb_heap = np.zeros(0, dtype=np.int64)

    @property
    def labels_arr(self) -> I32:
        """Vehicle-arrival labels, shape (rounds + 1, n_stops), seconds of the query day."""
        return self.lab[0]

    def xfer(self, min_transfer_s: int, max_walk_m: int) -> XferArrays:
        """Resolved transfers for this setting (cached per state)."""
        key = (min_transfer_s, max_walk_m)
        x = self._xfer.get(key)
        if x is None:
            tt = self.tt
            x = kernels.resolve_transfers(
                tt.transfer_start, tt.transfer_to, tt.transfer_s, tt.transfer_m,
                tt.transfer_kind, int(min_transfer_s), int(max_walk_m),
            )  # fmt: skip
            self._xfer[key] = x
        return x

    def reversed_xfer(self, min_transfer_s: int, max_walk_m: int) -> XferArrays:
        """Resolved transfers, reversed (for arrive-by)."""
        key = (min_transfer_s, max_walk_m)
        x = self._rxfer.get(key)
        if x is None:
            x = reverse_xfer(self.xfer(min_transfer_s, max_walk_m), self.tt.n_stops)
            self._rxfer[key] = x
        return x

    @property
    def reversed(self) -> ReversedTimetable:
        """The time-reversed timetable (built on first use)."""
        if self._reversed is None:
            self._reversed = build_reversed(self.tt)
        return self._reversed

    def svc_active(self, day: int) -> npt.NDArray[np.uint8]:
        """``(n_services, 3)``: service active on day-1, day, day+1 (ISO ordinal ``day``)."""
        tt = self.tt
        d = np.array([day - 1, day, day + 1], dtype=np.int64) - tt.first_day
        ok = (d >= 0) & (d < tt.n_days)
        dc = np.clip(d, 0, max(tt.n_days - 1, 0))
        if tt.service_bits.shape[0] == 0:
            return np.zeros((0, 3), dtype=np.uint8)
        words = tt.service_bits[:, dc >> 6]
        bits = (words >> (dc & 63).astype(np.uint64)) & np.uint64(1)
        return np.ascontiguousarray(bits.astype(np.uint8) * ok.astype(np.uint8))

    def day_index(
        self, day: int, *, reverse: bool = False
    ) -> tuple[npt.NDArray[np.uint8], ActiveIndex]:
        """Service flags (:meth:`svc_active`) and active-trip index of the forward (or, with
        ``reverse``, the time-reversed) timetable for ISO ordinal ``day``; cached per state."""
        key = (day, reverse)
        hit = self._days.get(key)
        if hit is None:
            svc = self.svc_active(day)
            if reverse:
                svc = np.ascontiguousarray(svc[:, ::-1])
            net = self.reversed.net if reverse else self.net
            hit = (svc, kernels.active_index(net, svc))
            if len(self._days) >= DAY_CACHE_SIZE:
                self._days.pop(next(iter(self._days)))
            self._days[key] = hit
        return hit

    def mc_pool(self) -> tuple[Any, ...]:
        """Label pool of the multi-criteria search (grown on demand)."""
        if self._mc is None or self._mc[0].shape[0] != self.pool_size:
            n, rounds, size = self.tt.n_stops, self.config.max_rounds + 1, self.pool_size
            i32 = np.int32
            self._mc = (
                np.zeros(size, i32), np.zeros(size, i32), np.zeros(size, i32),
                np.zeros(size, i32), np.zeros(size, i32), np.zeros(size, i32),
                np.zeros(size, i32), np.zeros(size, i32), np.zeros(size, i32),
                np.zeros(size, i32), np.zeros(size, np.uint8), np.zeros(size, i32),
                np.full((rounds, n), -1, i32), np.full((rounds, n), -1, i32),
            )  # fmt: skip
        return self._mc

    def lower_bounds(
        self, tgt_stops: I32, tgt_offsets: I32, min_transfer_s: int, max_walk_m: int,
        *, reverse: bool = False, delay_s: I32 | None = None,
    ) -> I32:
        """Seconds from each stop to the nearest target at best (egress ``tgt_offsets``
        included), for the forward timetable or, with ``reverse``, the time-reversed one
        (whose targets are the request's sources), under the realtime ``delay_s`` (one per
        forward stop time) when given; see :mod:`routing.raptor.lower_bounds`.  Overwrites and
        returns :attr:`lb`, or returns :attr:`no_lb` when the delays allow no bound."""
        ride = self._ride_graph(reverse, delay_s)
        if ride is None:
            return self.no_lb
        # transfer edges by head stop: the reverse of the frame's own transfer CSR
        x = (self.xfer if reverse else self.reversed_xfer)(min_transfer_s, max_walk_m)
        need = ride[1].shape[0] + x[2].shape[0] + tgt_stops.shape[0] + 1
        if self._lb_heap.shape[0] < need:
            self._lb_heap = np.zeros(need, dtype=np.int64)
        kernels.lower_bounds(ride[0], ride[1], ride[2], x[1], x[2], x[3], tgt_stops, tgt_offsets,
                     self.lb, self._lb_heap)  # fmt: skip
        return self.lb

    def _ride_graph(self, reverse: bool, delay_s: I32 | None) -> RideGraph | None:
        """Ride graph of a frame: static ones cached for good, the realtime one for the last
        delay array seen (the overlay hands out one per version)."""
        if delay_s is None or delay_s.shape[0] == 0:
            ride = self._ride.get(reverse)
            if ride is None:
                net = self.reversed.net if reverse else self.net
                ride = ride_graph(net, self.tt.n_stops)
                assert ride is not None  # static times never go back
                self._ride[reverse] = ride
            return ride
        hit = self._ride_rt.get(reverse)
        if hit is not None and hit[0] is delay_s:
            return hit[1]
        if reverse:
            rev = self.reversed
            got = ride_graph(rev.net, self.tt.n_stops, np.ascontiguousarray(-delay_s[rev.st_of]))
        else:
            got = ride_graph(self.net, self.tt.n_stops, delay_s)
        self._ride_rt[reverse] = (delay_s, got)
        return got

    def query_context(self, day: int, min_transfer_s: int, max_walk_m: int) -> QueryContext:
        """The :class:`~routing.raptor.context.QueryContext` of forward earliest-arrival
        queries on ISO ordinal ``day`` with this transfer setting (cached per state)."""
        key = (day, min_transfer_s, max_walk_m)
        ctx = self._ctx.get(key)
        if ctx is None:
            _svc, act = self.day_index(day)
            xfer = self.xfer(min_transfer_s, max_walk_m)
            xin = self.reversed_xfer(min_transfer_s, max_walk_m)
            ride = self._ride_graph(False, None)
            assert ride is not None
            # lower-bound heap: every edge once plus every target (at most one per stop)
            heap = np.zeros(ride[1].shape[0] + xin[2].shape[0] + self.tt.n_stops + 1, np.int64)
            ctx = make_context(
                net=self.net, rt=self.no_rt, xfer=xfer[:4], act=act, lab=self.lab, scr=self.scr,
                tgt_index=self.tgt_index, ride=ride, xin=(xin[1], xin[2], xin[3]), lb=self.lb,
                no_lb=self.no_lb, heap=heap, opts=self.query_opts, one=self.one_to_one,
                nonfifo=self.no_nonfifo,
            )
            if len(self._ctx) >= DAY_CACHE_SIZE:
                self._ctx.pop(next(iter(self._ctx)))
            self._ctx[key] = ctx
        return ctx

    def delay_summary(
        self, delay_s: I32, *, reverse: bool = False
    ) -> tuple[npt.NDArray[np.uint8], int, int]:
        """For the forward (or time-reversed) timetable under ``delay_s`` (one delay per
        forward stop time; empty: none): :func:`~routing.raptor.kernels.nonfifo_patterns`, the
        largest delay (>= 0) and the smallest (<= 0), seconds, in that frame.  Cached for the
        last delay array seen (the realtime overlay hands out one per version)."""
        if delay_s.shape[0] == 0:
            return self.no_nonfifo, 0, 0
        hit = self._nonfifo.get(reverse)
        if hit is not None and hit[0] is delay_s:
            return hit[1]
        hi, lo = max(0, int(delay_s.max())), min(0, int(delay_s.min()))
        if reverse:
            rev = self.reversed
            flags = kernels.nonfifo_patterns(rev.net, np.ascontiguousarray(-delay_s[rev.st_of]))
            out = (flags, -lo, -hi)
        else:
            out = (kernels.nonfifo_patterns(self.net, delay_s), hi, lo)
        self._nonfifo[reverse] = (delay_s, out)
        return out

    def reset(self) -> None:
        """Forget the last query (only the stops it touched are cleared)."""
        scr = self.scr
        kernels.reset_labels(self.lab, scr[8], scr[9], scr[10])
