"""Numba kernels of the RAPTOR family: flat int32 arrays in, labels written into the state.

Argument bundles (tuples, so a new optional array does not change every call site):

``net``  (from :func:`routing.raptor.state.net_arrays`)
    pattern_stop_start, pattern_stops, pattern_trip_start, pattern_st_start, trip_service,
    arrival_s, departure_s, pickup_type, drop_off_type, stop_pattern_start, stop_patterns,
    stop_pattern_pos, pattern_min_s, pattern_max_s, trip_wheelchair, stop_wheelchair.
``rt``   realtime overlay of the query's service day: ``delay_s`` (int32 per stop time, added to
    arrival and departure; length 0 = no delays) and ``trip_cancelled`` (bool per trip; length
    0 = none).  They apply to the trip instances of that day only (day offset 0); the previous
    and next day's instances run on schedule.  Where delays make trips of a pattern overtake
    each other (:func:`nonfifo_patterns`), each of its trips is ridden on its own.
``xfer`` resolved transfers (:func:`resolve_transfers`): own_slack (per stop, -1 = no change of
    vehicle allowed there), start, to, dur_s, walk_s (CSR by from-stop).
``opts`` int64 scalars: wheelchair mode (0 off, 1 allow unknown, 2 strict), max rounds,
    horizon (latest useful arrival, seconds of the query day), and for :func:`ea_run` the
    longest wait for the first vehicle at a source (range searches; ``UNREACHED`` = none) and
    optionally a "fresh" flag (1 = the labels were reset before this run: boarding is then
    tried only at stops whose label was set in the previous round, the classic RAPTOR rule;
    trips from older labels were ridden in earlier rounds already), (unused), and the largest
    and smallest delay (seconds; without them the kernel scans ``delay_s``).

All times are seconds since the query day's midnight; ``svc_active[s, d + 1]`` says whether
service ``s`` runs on query day + ``d`` for ``d`` in -1, 0, 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

# Annotations are for readers and mypy only; numba types the kernels from their arguments.
Arr = Any
Tup = tuple[Any, ...]

UNREACHED = np.int32(1 << 30)
DAY_S = 86_400
#: ``brd_from`` of a label set by a source (``brd_row`` is then the source index).
FROM_SOURCE = -2
#: ``brd_from`` of a same-stop change (own minimum transfer time).
FROM_SAME_STOP = -1

_PRI_FOOTPATH = 1
_PRI_RECOMMENDED = 2
_PRI_MIN_TIME = 3
_PRI_TIMED = 4
_PRI_FORBIDDEN = 5


@njit(cache=True)
def _priority(kind: int) -> int:
    # transfers.txt rules override computed footpaths; "forbidden" overrides everything.
    if kind == 3:
        return _PRI_FORBIDDEN
    if kind == 1:
        return _PRI_TIMED
    if kind == 2:
        return _PRI_MIN_TIME
    if kind == 0:
        return _PRI_RECOMMENDED
    return _PRI_FOOTPATH


@njit(cache=True)
def resolve_transfers(
    transfer_start: Arr, transfer_to: Arr, transfer_s: Arr, transfer_m: Arr, transfer_kind: Arr,
    min_transfer_s: int, max_walk_m: int,
) -> tuple[Arr, Arr, Arr, Arr, Arr, Arr]:
    """Resolve transfer rows for one (min_transfer_s, max_walk_m) setting.

    Returns ``own_slack`` (per stop: seconds needed to change vehicles at the stop, -1 when
    forbidden) and a CSR ``(start, to, dur_s, walk_s, row)`` of usable changes to other stops
    (``row`` = index of the source row in the timetable's transfer arrays).
    """
    n = transfer_start.shape[0] - 1
    own = np.full(n, min_transfer_s, dtype=np.int32)
    own_pri = np.zeros(n, dtype=np.int32)
    cap = transfer_to.shape[0]
    start = np.zeros(n + 1, dtype=np.int32)
    to = np.empty(cap, dtype=np.int32)
    dur = np.empty(cap, dtype=np.int32)
    walk = np.empty(cap, dtype=np.int32)
    row = np.empty(cap, dtype=np.int32)
    pri = np.empty(cap, dtype=np.int32)
    m = 0
    for u in range(n):
        seg = m
        for r in range(transfer_start[u], transfer_start[u + 1]):
            v = transfer_to[r]
            kd = transfer_kind[r]
            pr = _priority(kd)
            if v == u:
                if pr == _PRI_FOOTPATH or pr <= own_pri[u]:
                    continue
                own_pri[u] = pr
                if kd == 3:
                    own[u] = -1
                elif kd == 1:
                    own[u] = 0
                elif kd == 2:
                    own[u] = transfer_s[r]
                else:
                    own[u] = min_transfer_s
                continue
            if pr == _PRI_FOOTPATH and transfer_m[r] > max_walk_m:
                continue
            j = seg
            while j < m and to[j] != v:
                j += 1
            if j < m and pri[j] >= pr:
                continue
            if j == m:
                m += 1
            to[j] = v
            pri[j] = pr
            row[j] = r
            if kd == 1:
                dur[j] = 0
                walk[j] = 0
            elif kd == 2:
                dur[j] = transfer_s[r]
                walk[j] = transfer_s[r]
            else:
                dur[j] = max(transfer_s[r], min_transfer_s)
                walk[j] = transfer_s[r]
        w = seg
        for j in range(seg, m):
            if pri[j] != _PRI_FORBIDDEN:
                to[w] = to[j]
                dur[w] = dur[j]
                walk[w] = walk[j]
                row[w] = row[j]
                w += 1
        m = w
        start[u + 1] = m
    return own, start, to[:m].copy(), dur[:m].copy(), walk[:m].copy(), row[:m].copy()


@njit(cache=True, inline="always")
def _stop_ok(stop_wheelchair: Arr, s: int, wc_mode: int) -> bool:
    if wc_mode == 0:
        return True
    w = stop_wheelchair[s]
    return w != 2 and (wc_mode == 1 or w == 1)


@njit(cache=True, inline="always")
def _trip_ok(
    trip_wheelchair: Arr, trip_cancelled: Arr, t: int, wc_mode: int, today: bool = True
) -> bool:
    """Trip ``t`` may be boarded: not cancelled (realtime, query day's instance only) and
    accessible enough for ``wc_mode``."""
    if today and trip_cancelled.shape[0] > 0 and trip_cancelled[t]:
        return False
    if wc_mode == 0:
        return True
    w = trip_wheelchair[t]
    return w != 2 and (wc_mode == 1 or w == 1)


@njit(cache=True)
def find_trip(
    net: Tup, rt: Tup, svc_active: Arr, wc_mode: int, p: int, i: int, d: int, earliest: int,
    hi: int, lo0: int = 0,
) -> int:
    """Earliest trip (index within pattern ``p``, in ``lo0 .. hi - 1``) of day offset ``d``
    boardable at position ``i`` at or after ``earliest`` (seconds of the query day); -1 if
    none."""
    pattern_stop_start = net[0]
    pattern_trip_start = net[2]
    pattern_st_start = net[3]
    trip_service = net[4]
    departure_s = net[6]
    pickup_type = net[7]
    trip_wheelchair = net[14]
    delay_s, trip_cancelled = rt
    length = pattern_stop_start[p + 1] - pattern_stop_start[p]
    base = pattern_st_start[p] + i
    t0 = pattern_trip_start[p]
    want = earliest - d * DAY_S
    # realtime describes the query day's trip instances only (day offset 0)
    has_delay = delay_s.shape[0] > 0 and d == 0
    lo = lo0
    if not has_delay:
        h = hi
        while lo < h:
            mid = (lo + h) >> 1
            if departure_s[base + mid * length] < want:
                lo = mid + 1
            else:
                h = mid
    for kk in range(lo, hi):
        idx = base + kk * length
        dep = departure_s[idx]
        if has_delay:
            dep += delay_s[idx]
            if dep < want:
                continue
        if pickup_type[idx] == 1:
            continue
        t = t0 + kk
        if svc_active[trip_service[t], d + 1] == 0:
            continue
        if not _trip_ok(trip_wheelchair, trip_cancelled, t, wc_mode, d == 0):
            continue
        return kk
    return -1


@njit(cache=True)
def active_index(net: Tup, svc_active: Arr) -> tuple[Arr, Arr, Arr, Arr]:
    """Per day offset (column ``c = d + 1``) and pattern, the trips whose service runs.

    Returns ``act_start`` (3, n_patterns + 1) and ``act_pos`` (3, n_trips): the positions
    (within the pattern, ascending, so still FIFO) of the active trips of pattern ``p`` are
    ``act_pos[c, act_start[c, p]:act_start[c, p + 1]]``; ``act_lo``/``act_hi`` (3, n_patterns):
    earliest and latest departure of those trips, seconds of their own service day (an empty
    pattern-day has ``act_lo > act_hi``).  O(trips + stop times of the first/last active trip).
    """
    pattern_stop_start = net[0]
    pattern_trip_start = net[2]
    pattern_st_start = net[3]
    trip_service = net[4]
    departure_s = net[6]
    n_pat = pattern_trip_start.shape[0] - 1
    start = np.zeros((3, n_pat + 1), dtype=np.int32)
    pos = np.empty((3, max(trip_service.shape[0], 1)), dtype=np.int32)
    lo = np.full((3, n_pat), UNREACHED, dtype=np.int32)
    hi = np.full((3, n_pat), -UNREACHED, dtype=np.int32)
    for c in range(3):
        m = 0
        for p in range(n_pat):
            t0 = pattern_trip_start[p]
            for t in range(t0, pattern_trip_start[p + 1]):
                if svc_active[trip_service[t], c] != 0:
                    pos[c, m] = t - t0
                    m += 1
            start[c, p + 1] = m
            if m > start[c, p]:
                # FIFO at every position: the first active trip departs earliest everywhere,
                # the last one latest
                length = pattern_stop_start[p + 1] - pattern_stop_start[p]
                first = pattern_st_start[p] + pos[c, start[c, p]] * length
                last = pattern_st_start[p] + pos[c, m - 1] * length
                for i in range(length):
                    lo[c, p] = min(lo[c, p], departure_s[first + i])
                    hi[c, p] = max(hi[c, p], departure_s[last + i])
    return start, pos, lo, hi


@njit(cache=True)
def find_active(
    net: Tup, rt: Tup, act_pos: Arr, wc_mode: int, p: int, i: int, c: int, want: int, j0: int,
    j1: int, max_delay: int = 0,
) -> int:
    """Like :func:`find_trip` over the active-trip list ``act_pos[c, j0:j1]`` of pattern ``p``
    (``want`` in seconds of the trips' own service day); returns the list index or -1.

    With delays the scan is linear (delayed trips need not stay FIFO), but it starts at the
    first trip whose *static* departure is >= ``want - max_delay``: every earlier trip departs
    at most ``max_delay`` seconds late, so before ``want`` (an exact lower bound)."""
    pattern_stop_start = net[0]
    pattern_trip_start = net[2]
    pattern_st_start = net[3]
    departure_s = net[6]
    pickup_type = net[7]
    trip_wheelchair = net[14]
    delay_s, trip_cancelled = rt
    length = pattern_stop_start[p + 1] - pattern_stop_start[p]
    base = pattern_st_start[p] + i
    t0 = pattern_trip_start[p]
    # realtime describes the query day's trip instances only (column c = 1)
    has_delay = delay_s.shape[0] > 0 and c == 1
    lo = j0
    bound = want - max_delay if has_delay else want
    h = j1
    while lo < h:
        mid = (lo + h) >> 1
        if departure_s[base + act_pos[c, mid] * length] < bound:
            lo = mid + 1
        else:
            h = mid
    for j in range(lo, j1):
        kk = act_pos[c, j]
        idx = base + kk * length
        if has_delay and departure_s[idx] + delay_s[idx] < want:
            continue
        if pickup_type[idx] == 1:
            continue
        if not _trip_ok(trip_wheelchair, trip_cancelled, t0 + kk, wc_mode, c == 1):
            continue
        return j
    return -1


@njit(cache=True)
def reset_labels(lab: Tup, touched_flag: Arr, touched_list: Arr, n_touched: Arr) -> None:
    """Set the labels of every touched stop back to unreached (all rounds)."""
    arr, brd = lab[0], lab[1]
    tgt_best = lab[11]
    for j in range(n_touched[0]):
        s = touched_list[j]
        touched_flag[s] = 0
        for k in range(arr.shape[0]):
            arr[k, s] = UNREACHED
            brd[k, s] = UNREACHED
    n_touched[0] = 0
    for k in range(tgt_best.shape[0]):
        tgt_best[k] = UNREACHED


@njit(cache=True)
# The hot loops stay in one flat function each: numba inlines nothing across closures, and
# splitting them into helpers measured slower.
def ea_run(
    net: Tup, rt: Tup, xfer: Tup, svc_active: Arr, opts: Arr, src_stops: Arr, src_times: Arr,
    tgt_index: Arr, tgt_egress: Arr, lab: Tup, scr: Tup,
) -> int:
    """:func:`ea_run_active` with the active-trip index built from ``svc_active`` (callers
    that run many queries on one day cache the index and call :func:`ea_run_active`), without
    lower bounds."""
    act = active_index(net, svc_active)
    return ea_run_active(
        net, rt, xfer, act, opts, src_stops, src_times, tgt_index, tgt_egress, lab, scr,
        np.zeros(0, np.int32), np.zeros(0, np.uint8),
    )


@njit(cache=True)
# The hot loops stay in one flat function each: numba inlines nothing across closures, and
# splitting them into helpers measured slower.
def ea_run_active(  # noqa: C901
    net: Tup, rt: Tup, xfer: Tup, act: Tup, opts: Arr, src_stops: Arr, src_times: Arr,
    tgt_index: Arr, tgt_egress: Arr, lab: Tup, scr: Tup, lb: Arr, nonfifo: Arr,
) -> int:
    """One earliest-arrival RAPTOR run; labels persist (range searches call it repeatedly with
    decreasing departure times and never reset in between).

    ``nonfifo`` = :func:`nonfifo_patterns` of the delays (or empty): in a pattern whose delayed
    trips overtake one another, the first trip caught need not arrive first downstream, so
    each of its trips is ridden on its own (one scan per trip, boarding only that trip).

    ``lb`` = :func:`routing.raptor.lower_bounds.lower_bounds` of the targets (seconds to a
    target from each stop), or empty: with bounds and without delays, a label at time ``t``
    at stop ``s`` is kept only if ``t + lb[s]`` beats the best arrival at a target so far.

    ``act`` = :func:`active_index` of the query day: (pattern, day offset) pairs without a
    running trip are skipped and trip searches see only running trips.

    ``lab`` = (arr, brd, a_pat, a_trip, a_day, a_bpos, a_apos, a_round, b_from, b_row,
    b_round, tgt_best, tgt_stop); ``arr``/``brd`` are (rounds + 1, n_stops) labels meaning "with
    at most k vehicles"; ``tgt_best[k]`` is the best arrival at a target incl. egress.
    ``scr`` = scratch (mark, mark_list, imp_flag, imp_list, chg_flag, chg_list, pat_first,
    pat_list, touched_flag, touched_list, n_touched, pat_last).

    Returns the number of rounds run.
    """
    (pattern_stop_start, pattern_stops, pattern_trip_start, pattern_st_start, _ts,
     arrival_s, departure_s, _pt, drop_off_type, stop_pattern_start, stop_patterns,
     stop_pattern_pos, _lo, _hi, _tw, stop_wheelchair) = net  # fmt: skip
    act_start, act_pos, act_lo, act_hi = act
    delay_s = rt[0]
    own_slack, tr_start, tr_to, tr_dur = xfer[0], xfer[1], xfer[2], xfer[3]
    (arr, brd, a_pat, a_trip, a_day, a_bpos, a_apos, a_round, b_from, b_row, b_round,
     tgt_best, tgt_stop) = lab  # fmt: skip
    (mark, mark_list, imp_flag, imp_list, chg_flag, chg_list, pat_first, pat_list,
     touched_flag, touched_list, n_touched, pat_last) = scr  # fmt: skip
    wc_mode = opts[0]
    max_rounds = opts[1]
    horizon = opts[2]
    first_wait_max = opts[3] if opts.shape[0] > 3 else UNREACHED
    has_delay = delay_s.shape[0] > 0
    # with delays a trip search may pick another trip each round: keep trying every label
    # fresh run: only labels set in the previous round board (an older label's trips were
    # ridden in the round after it was set; with delays too, as overtaking patterns ride
    # every trip in its own lane)
    fresh = opts.shape[0] > 4 and opts[4] != 0
    max_delay = 0
    min_delay = 0
    if opts.shape[0] > 7:
        max_delay = opts[6]
        min_delay = opts[7]
    else:
        for x in range(delay_s.shape[0]):
            max_delay = max(max_delay, delay_s[x])
            min_delay = min(min_delay, delay_s[x])
    # the caller computes ``lb`` from the same delays (or passes none)
    use_lb = lb.shape[0] > 0

    n_marked = 0
    n_chg = 0
    min_time = UNREACHED
    for j in range(src_stops.shape[0]):
        s = src_stops[j]
        t = src_times[j]
        min_time = min(min_time, t)
        if t < brd[0, s]:
            brd[0, s] = t
            b_from[0, s] = FROM_SOURCE
            b_row[0, s] = j
            b_round[0, s] = 0
            if touched_flag[s] == 0:
                touched_flag[s] = 1
                touched_list[n_touched[0]] = s
                n_touched[0] += 1
            if mark[s] == 0:
                mark[s] = 1
                mark_list[n_marked] = s
                n_marked += 1
            if chg_flag[s] == 0:
                chg_flag[s] = 1
                chg_list[n_chg] = s
                n_chg += 1

    k = 0
    while k < max_rounds and n_marked > 0:
        k += 1
        # labels of round k mean "at most k vehicles": inherit what changed in this run
        for j in range(n_chg):
            s = chg_list[j]
            if arr[k - 1, s] < arr[k, s]:
                arr[k, s] = arr[k - 1, s]
                a_pat[k, s] = a_pat[k - 1, s]
                a_trip[k, s] = a_trip[k - 1, s]
                a_day[k, s] = a_day[k - 1, s]
                a_bpos[k, s] = a_bpos[k - 1, s]
                a_apos[k, s] = a_apos[k - 1, s]
                a_round[k, s] = a_round[k - 1, s]
            # a source label restricted to the window is no bound for later rounds
            if brd[k - 1, s] < brd[k, s] and (k > 1 or first_wait_max >= UNREACHED):
                brd[k, s] = brd[k - 1, s]
                b_from[k, s] = b_from[k - 1, s]
                b_row[k, s] = b_row[k - 1, s]
                b_round[k, s] = b_round[k - 1, s]
        if tgt_best[k - 1] < tgt_best[k]:
            tgt_best[k] = tgt_best[k - 1]
            tgt_stop[k] = tgt_stop[k - 1]

        n_pat = 0
        for m in range(n_marked):
            s = mark_list[m]
            mark[s] = 0
            for j in range(stop_pattern_start[s], stop_pattern_start[s + 1]):
                p = stop_patterns[j]
                pos = stop_pattern_pos[j]
                if pat_first[p] < 0:
                    pat_list[n_pat] = p
                    n_pat += 1
                    pat_first[p] = pos
                    pat_last[p] = pos
                elif pos < pat_first[p]:
                    pat_first[p] = pos
                elif pos > pat_last[p]:
                    pat_last[p] = pos
        n_marked = 0
        n_imp = 0

        # today's trips first: the target bound they set prunes most next-day scans
        for d in (0, -1, 1):
            dd = d * DAY_S
            c = d + 1
            # realtime describes the query day's trip instances only
            dl = has_delay and d == 0
            for q in range(n_pat):
                p = pat_list[q]
                j_lo = act_start[c, p]
                j_hi = act_start[c, p + 1]
                if j_lo == j_hi:
                    continue
                # every trip of the pattern-day leaves between its first and last departure
                # (moved by at most the extreme delays)
                if act_hi[c, p] + dd + max_delay < min_time:
                    continue
                lo_t = act_lo[c, p] + dd + min_delay
                if lo_t >= tgt_best[k] or lo_t > horizon:
                    continue
                i0 = pat_first[p]
                i_last = pat_last[p]
                ps0 = pattern_stop_start[p]
                length = pattern_stop_start[p + 1] - ps0
                t0 = pattern_trip_start[p]
                base = pattern_st_start[p]
                # one lane normally; one per trip where delays break FIFO
                n_lanes = 1
                if dl and nonfifo.shape[0] > 0 and nonfifo[p] != 0:
                    n_lanes = j_hi - j_lo
                for lane in range(n_lanes):
                    forced = j_lo + lane if n_lanes > 1 else -1
                    cur = -1  # index into act_pos[c]
                    row = 0  # stop-time index of the current trip's first stop
                    bpos = -1
                    for i in range(i0, length):
                        # fresh run: past the last marked stop nobody boards, so the scan ends
                        # without a trip, or once the trip's (non-decreasing) arrivals reach the
                        # best arrival at a target
                        if fresh and i > i_last and (
                            cur < 0 or (not dl and arrival_s[row + i] + dd >= tgt_best[k])
                        ):
                            break
                        s = pattern_stops[ps0 + i]
                        if cur >= 0:
                            idx = row + i
                            if drop_off_type[idx] != 1 and _stop_ok(stop_wheelchair, s, wc_mode):
                                a = arrival_s[idx] + dd
                                if dl:
                                    a += delay_s[idx]
                                if (a < arr[k, s] and a < tgt_best[k] and a <= horizon
                                        and (not use_lb or a + lb[s] < tgt_best[k])):
                                    arr[k, s] = a
                                    a_pat[k, s] = p
                                    a_trip[k, s] = t0 + act_pos[c, cur]
                                    a_day[k, s] = d
                                    a_bpos[k, s] = bpos
                                    a_apos[k, s] = i
                                    a_round[k, s] = k
                                    if imp_flag[s] == 0:
                                        imp_flag[s] = 1
                                        imp_list[n_imp] = s
                                        n_imp += 1
                                    if touched_flag[s] == 0:
                                        touched_flag[s] = 1
                                        touched_list[n_touched[0]] = s
                                        n_touched[0] += 1
                                    if chg_flag[s] == 0:
                                        chg_flag[s] = 1
                                        chg_list[n_chg] = s
                                        n_chg += 1
                                    ti = tgt_index[s]
                                    if ti >= 0 and a + tgt_egress[ti] < tgt_best[k]:
                                        tgt_best[k] = a + tgt_egress[ti]
                                        tgt_stop[k] = s
                        if i == length - 1:
                            break
                        b = brd[k - 1, s]
                        if b >= UNREACHED or not _stop_ok(stop_wheelchair, s, wc_mode):
                            continue
                        # fresh run: a label older than round k - 1 had its trips ridden already
                        if fresh and b_round[k - 1, s] != k - 1:
                            continue
                        # without delays a boarding at b arrives at b or later: nothing to gain
                        if not dl and b >= tgt_best[k]:
                            continue
                        if use_lb and b + lb[s] >= tgt_best[k]:
                            continue
                        if cur >= 0:
                            idx = row + i
                            dep = departure_s[idx] + dd
                            if dl:
                                dep += delay_s[idx]
                            if b > dep:
                                continue
                            # times are FIFO at every position (delayed ones too outside the
                            # lanes): when the trip before the current one leaves before b, no
                            # earlier trip can be caught here
                            if cur == j_lo:
                                continue
                            prev = base + act_pos[c, cur - 1] * length + i
                            dep = departure_s[prev] + dd
                            if dl:
                                dep += delay_s[prev]
                            if dep < b:
                                continue
                        if forced >= 0:
                            # this lane rides one trip: board it at its first catchable stop
                            if cur >= 0:
                                continue
                            jj = find_active(net, rt, act_pos, wc_mode, p, i, c, b - dd,
                                             forced, forced + 1, max_delay)
                        else:
                            hi = cur if cur >= 0 else j_hi
                            jj = find_active(net, rt, act_pos, wc_mode, p, i, c, b - dd, j_lo,
                                             hi, max_delay)
                        if jj >= 0 and k == 1 and first_wait_max < UNREACHED:
                            # range searches: the first vehicle must leave inside the window
                            idx = base + act_pos[c, jj] * length + i
                            dep = departure_s[idx] + dd
                            if dl:
                                dep += delay_s[idx]
                            if dep > b + first_wait_max:
                                jj = -1
                        if jj >= 0:
                            cur = jj
                            row = base + act_pos[c, jj] * length
                            bpos = i
        for q in range(n_pat):
            pat_first[pat_list[q]] = -1

        for m in range(n_imp):
            s = imp_list[m]
            imp_flag[s] = 0
            a = arr[k, s]
            sl = own_slack[s]
            if sl >= 0:
                b = a + sl
                if b < brd[k, s] and b < tgt_best[k] and (not use_lb or b + lb[s] < tgt_best[k]):
                    brd[k, s] = b
                    b_from[k, s] = FROM_SAME_STOP
                    b_row[k, s] = -1
                    b_round[k, s] = k
                    if mark[s] == 0:
                        mark[s] = 1
                        mark_list[n_marked] = s
                        n_marked += 1
            for r in range(tr_start[s], tr_start[s + 1]):
                t = tr_to[r]
                b = a + tr_dur[r]
                if b < brd[k, t] and b < tgt_best[k]:
                    if not _stop_ok(stop_wheelchair, t, wc_mode):
                        continue
                    if use_lb and b + lb[t] >= tgt_best[k]:
                        continue
                    brd[k, t] = b
                    b_from[k, t] = s
                    b_row[k, t] = r
                    b_round[k, t] = k
                    if mark[t] == 0:
                        mark[t] = 1
                        mark_list[n_marked] = t
                        n_marked += 1
                    if touched_flag[t] == 0:
                        touched_flag[t] = 1
                        touched_list[n_touched[0]] = t
                        n_touched[0] += 1
                    if chg_flag[t] == 0:
                        chg_flag[t] = 1
                        chg_list[n_chg] = t
                        n_chg += 1

    for m in range(n_marked):
        mark[mark_list[m]] = 0
    for j in range(n_chg):
        chg_flag[chg_list[j]] = 0
    return k


@njit(cache=True)
def collect_departures(
    net: Tup, svc_active: Arr, src_stops: Arr, src_offsets: Arr, t_lo: int, t_hi: int, out: Arr
) -> int:
    """Distinct start times ``dep - offset`` in ``[t_lo, t_hi]`` of trips leaving the sources
    (any day offset, pickup allowed, service active), written to ``out``; returns the count.
    Sorting and de-duplication are left to the caller."""
    pattern_stop_start = net[0]
    pattern_trip_start = net[2]
    pattern_st_start = net[3]
    trip_service = net[4]
    departure_s = net[6]
    pickup_type = net[7]
    stop_pattern_start, stop_patterns, stop_pattern_pos = net[9], net[10], net[11]
    n = 0
    for j in range(src_stops.shape[0]):
        s = src_stops[j]
        off = src_offsets[j]
        for x in range(stop_pattern_start[s], stop_pattern_start[s + 1]):
            p = stop_patterns[x]
            i = stop_pattern_pos[x]
            length = pattern_stop_start[p + 1] - pattern_stop_start[p]
            if i == length - 1:
                continue
            t0 = pattern_trip_start[p]
            for kk in range(pattern_trip_start[p + 1] - t0):
                idx = pattern_st_start[p] + kk * length + i
                if pickup_type[idx] == 1:
                    continue
                for d in range(-1, 2):
                    tau = departure_s[idx] + d * DAY_S - off
                    if tau < t_lo or tau > t_hi:
                        continue
                    if svc_active[trip_service[t0 + kk], d + 1] == 0:
                        continue
                    if n < out.shape[0]:
                        out[n] = tau
                    n += 1
    return n


# --------------------------------------------------------------------------------------------
# Multi-criteria RAPTOR (McRAPTOR) on (arrival, rounds, walking).
#
# Labels live in a pool: (arr, walk, prev, kind, stop, pattern, trip, day, aux, apos, dead,
# next).  ``kind``: 0 source (aux = source index), 1 ride (prev = boarding label, aux = board
# position), 2 same-stop change (prev = ride label), 3 transfer row (aux = resolved row).
# Bags per (round, stop) are linked lists (``head_arr`` for ride labels, ``head_brd`` for
# "ready to board" labels) holding only labels created in that round; dominance is checked
# against all rounds <= k, so a bag's survivors are Pareto-optimal on (arr, walk, rounds).
# --------------------------------------------------------------------------------------------

MC_OVERFLOW = -1


@njit(cache=True)
def _mc_dominated(pool: Tup, head: Arr, k: int, s: int, a: int, w: int) -> bool:
    l_arr, l_walk, l_dead, l_next = pool[0], pool[1], pool[10], pool[11]
    for j in range(k + 1):
        x = head[j, s]
        while x >= 0:
            if l_dead[x] == 0 and l_arr[x] <= a and l_walk[x] <= w:
                return True
            x = l_next[x]
    return False


@njit(cache=True)
def _mc_insert(
    pool: Tup, n_lab: Arr, head: Arr, k: int, s: int, a: int, w: int, prev: int, kind: int,
    pat: int, trip: int, day: int, aux: int, apos: int,
) -> int:
    """Insert (a, w) into bag (k, s) unless dominated; returns the label index or -1."""
    (l_arr, l_walk, l_prev, l_kind, l_stop, l_pat, l_trip, l_day, l_aux, l_apos, l_dead,
     l_next) = pool[:12]  # fmt: skip
    if _mc_dominated(pool, head, k, s, a, w):
        return -1
    prv = -1
    x = head[k, s]
    while x >= 0:
        nx = l_next[x]
        if l_arr[x] >= a and l_walk[x] >= w:
            l_dead[x] = 1
            if prv < 0:
                head[k, s] = nx
            else:
                l_next[prv] = nx
        else:
            prv = x
        x = nx
    i = n_lab[0]
    if i >= l_arr.shape[0]:
        return MC_OVERFLOW - 1
    n_lab[0] = i + 1
    l_arr[i] = a
    l_walk[i] = w
    l_prev[i] = prev
    l_kind[i] = kind
    l_stop[i] = s
    l_pat[i] = pat
    l_trip[i] = trip
    l_day[i] = day
    l_aux[i] = aux
    l_apos[i] = apos
    l_dead[i] = 0
    l_next[i] = head[k, s]
    head[k, s] = i
    return i


@njit(cache=True)
def _res_dominated(res: Tup, n_res: int, k: int, a: int, w: int) -> bool:
    r_arr, r_walk, r_round, _lab, r_dead = res
    for j in range(n_res):
        if r_dead[j] == 0 and r_round[j] <= k and r_arr[j] <= a and r_walk[j] <= w:
            return True
    return False


@njit(cache=True)
def mc_run(  # noqa: C901
    net: Tup, rt: Tup, xfer: Tup, svc_active: Arr, opts: Arr, src_stops: Arr, src_times: Arr,
    src_walk: Arr, tgt_index: Arr, tgt_egress: Arr, tgt_walk: Arr, pool: Tup, res: Tup,
    scr: Tup, route_bag: Tup, nonfifo: Arr,
) -> tuple[int, int]:
    """One McRAPTOR search.  ``res`` = (arr, walk, round, label, dead) of target results.

    Returns ``(n_labels, n_results)``; ``n_labels == -1`` when the pool or the result arrays
    overflowed (the caller grows them and runs again).
    """
    (pattern_stop_start, pattern_stops, pattern_trip_start, pattern_st_start, _ts,
     arrival_s, _dep, _pt, drop_off_type, stop_pattern_start, stop_patterns,
     stop_pattern_pos, pattern_min_s, pattern_max_s, _tw, stop_wheelchair) = net  # fmt: skip
    delay_s = rt[0]
    own_slack, tr_start, tr_to, tr_dur, tr_walk = xfer[0], xfer[1], xfer[2], xfer[3], xfer[4]
    l_arr, l_walk, l_dead, l_next = pool[0], pool[1], pool[10], pool[11]
    head_arr, head_brd = pool[12], pool[13]
    r_arr, r_walk, r_round, r_lab, r_dead = res
    mark, mark_list, imp_flag, imp_list = scr[0], scr[1], scr[2], scr[3]
    pat_first, pat_list = scr[6], scr[7]
    rb_trip, rb_bpos, rb_walk, rb_prev = route_bag
    wc_mode = opts[0]
    max_rounds = opts[1]
    horizon = opts[2]
    has_delay = delay_s.shape[0] > 0
    n_lab = np.zeros(1, dtype=np.int64)
    n_res = 0

    n_marked = 0
    min_time = UNREACHED
    for j in range(src_stops.shape[0]):
        s = src_stops[j]
        min_time = min(min_time, src_times[j])
        x = _mc_insert(pool, n_lab, head_brd, 0, s, src_times[j], src_walk[j], -1, 0, -1, -1,
                       0, j, -1)  # fmt: skip
        if x < -1:
            return -1, 0
        if x >= 0 and mark[s] == 0:
            mark[s] = 1
            mark_list[n_marked] = s
            n_marked += 1

    k = 0
    while k < max_rounds and n_marked > 0:
        k += 1
        n_pat = 0
        for m in range(n_marked):
            s = mark_list[m]
            mark[s] = 0
            for j in range(stop_pattern_start[s], stop_pattern_start[s + 1]):
                p = stop_patterns[j]
                pos = stop_pattern_pos[j]
                if pat_first[p] < 0:
                    pat_list[n_pat] = p
                    n_pat += 1
                    pat_first[p] = pos
                elif pos < pat_first[p]:
                    pat_first[p] = pos
        n_marked = 0
        n_imp = 0
        overflow = False
        for q in range(n_pat):
            p = pat_list[q]
            i0 = pat_first[p]
            pat_first[p] = -1
            if overflow:
                continue
            ps0 = pattern_stop_start[p]
            length = pattern_stop_start[p + 1] - ps0
            t0 = pattern_trip_start[p]
            nt = pattern_trip_start[p + 1] - t0
            base = pattern_st_start[p]
            for d in range(-1, 2):
                dd = d * DAY_S
                if not has_delay and (
                    pattern_max_s[p] + dd < min_time or pattern_min_s[p] + dd > horizon
                ):
                    continue
                # one lane normally; one per trip where delays break FIFO (see ea_run_active)
                n_lanes = 1
                if has_delay and d == 0 and nonfifo.shape[0] > 0 and nonfifo[p] != 0:
                    n_lanes = nt
                for lane in range(n_lanes):
                    if overflow:
                        break
                    forced = lane if n_lanes > 1 else -1
                    n_rb = 0
                    for i in range(i0, length):
                        s = pattern_stops[ps0 + i]
                        if n_rb > 0 and _stop_ok(stop_wheelchair, s, wc_mode):
                            for e in range(n_rb):
                                idx = base + rb_trip[e] * length + i
                                if drop_off_type[idx] == 1:
                                    continue
                                a = arrival_s[idx] + dd
                                if has_delay and d == 0:  # realtime: query day only
                                    a += delay_s[idx]
                                w = rb_walk[e]
                                if a > horizon or _res_dominated(res, n_res, k, a, w):
                                    continue
                                x = _mc_insert(pool, n_lab, head_arr, k, s, a, w, rb_prev[e], 1, p,
                                               t0 + rb_trip[e], d, rb_bpos[e], i)  # fmt: skip
                                if x < -1:
                                    overflow = True
                                    break
                                if x < 0:
                                    continue
                                if imp_flag[s] == 0:
                                    imp_flag[s] = 1
                                    imp_list[n_imp] = s
                                    n_imp += 1
                                ti = tgt_index[s]
                                if ti >= 0:
                                    ra = a + tgt_egress[ti]
                                    rw = w + tgt_walk[ti]
                                    if not _res_dominated(res, n_res, k, ra, rw):
                                        for j in range(n_res):
                                            if (
                                                r_dead[j] == 0
                                                and r_round[j] >= k
                                                and r_arr[j] >= ra
                                                and r_walk[j] >= rw
                                            ):
                                                r_dead[j] = 1
                                        if n_res >= r_arr.shape[0]:
                                            overflow = True
                                            break
                                        r_arr[n_res] = ra
                                        r_walk[n_res] = rw
                                        r_round[n_res] = k
                                        r_lab[n_res] = x
                                        r_dead[n_res] = 0
                                        n_res += 1
                        if overflow or i == length - 1:
                            break
                        if not _stop_ok(stop_wheelchair, s, wc_mode):
                            continue
                        x = head_brd[k - 1, s]
                        while x >= 0:
                            if l_dead[x] == 0:
                                if forced >= 0:
                                    kk = find_trip(net, rt, svc_active, wc_mode, p, i, d,
                                                   l_arr[x], forced + 1, forced)
                                else:
                                    kk = find_trip(net, rt, svc_active, wc_mode, p, i, d,
                                                   l_arr[x], nt)
                                w = l_walk[x]
                                if kk >= 0:
                                    dom = False
                                    for e in range(n_rb):
                                        if rb_trip[e] <= kk and rb_walk[e] <= w:
                                            dom = True
                                            break
                                    if not dom:
                                        e2 = 0
                                        for e in range(n_rb):
                                            if not (rb_trip[e] >= kk and rb_walk[e] >= w):
                                                rb_trip[e2] = rb_trip[e]
                                                rb_bpos[e2] = rb_bpos[e]
                                                rb_walk[e2] = rb_walk[e]
                                                rb_prev[e2] = rb_prev[e]
                                                e2 += 1
                                        n_rb = e2
                                        rb_trip[n_rb] = kk
                                        rb_bpos[n_rb] = i
                                        rb_walk[n_rb] = w
                                        rb_prev[n_rb] = x
                                        n_rb += 1
                            x = l_next[x]
                if overflow:
                    break
        if overflow:
            for m in range(n_imp):
                imp_flag[imp_list[m]] = 0
            return -1, 0

        for m in range(n_imp):
            s = imp_list[m]
            imp_flag[s] = 0
            sl = own_slack[s]
            x = head_arr[k, s]
            while x >= 0:
                nx = l_next[x]
                if l_dead[x] != 0:
                    x = nx
                    continue
                a = l_arr[x]
                w = l_walk[x]
                if sl >= 0 and not _res_dominated(res, n_res, k, a + sl, w):
                    y = _mc_insert(pool, n_lab, head_brd, k, s, a + sl, w, x, 2, -1, -1, 0, -1,
                                   -1)  # fmt: skip
                    if y < -1:
                        return -1, 0
                    if y >= 0 and mark[s] == 0:
                        mark[s] = 1
                        mark_list[n_marked] = s
                        n_marked += 1
                for r in range(tr_start[s], tr_start[s + 1]):
                    t = tr_to[r]
                    if not _stop_ok(stop_wheelchair, t, wc_mode):
                        continue
                    b = a + tr_dur[r]
                    wb = w + tr_walk[r]
                    if _res_dominated(res, n_res, k, b, wb):
                        continue
                    y = _mc_insert(pool, n_lab, head_brd, k, t, b, wb, x, 3, -1, -1, 0, r, -1)
                    if y < -1:
                        return -1, 0
                    if y >= 0 and mark[t] == 0:
                        mark[t] = 1
                        mark_list[n_marked] = t
                        n_marked += 1
                x = nx
    for m in range(n_marked):
        mark[mark_list[m]] = 0
    return n_lab[0], n_res


# ---------------------------------------------------------------------------------------------
# goal direction: lower bounds to the targets, and the one-call arrival-time query
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def ride_edges(net: Tup, delay_s: Arr) -> tuple[Arr, Arr, Arr]:
    """``(u, v, w)`` per consecutive stop pair of every pattern, least ride time, seconds, with
    each stop time moved by ``delay_s`` (empty: no delays).  Never negative for static times
    (validated non-decreasing); realtime data may make it negative."""
    pattern_stop_start, pattern_stops, pattern_trip_start, pattern_st_start = (
        net[0], net[1], net[2], net[3])  # fmt: skip
    arrival_s, departure_s = net[5], net[6]
    n_pat = pattern_stop_start.shape[0] - 1
    m = 0
    for p in range(n_pat):
        m += max(pattern_stop_start[p + 1] - pattern_stop_start[p] - 1, 0)
    u = np.empty(m, np.int32)
    v = np.empty(m, np.int32)
    w = np.empty(m, np.int32)
    e = 0
    for p in range(n_pat):
        ps0 = pattern_stop_start[p]
        length = pattern_stop_start[p + 1] - ps0
        n_trips = pattern_trip_start[p + 1] - pattern_trip_start[p]
        base = pattern_st_start[p]
        for i in range(length - 1):
            best = int(UNREACHED)
            for t in range(n_trips):
                row = base + t * length + i
                ride = int(arrival_s[row + 1] - departure_s[row])
                best = min(best, ride)
                if delay_s.shape[0] > 0:  # the query day's instance; other days on schedule
                    best = min(best, ride + int(delay_s[row + 1] - delay_s[row]))
            u[e] = pattern_stops[ps0 + i]
            v[e] = pattern_stops[ps0 + i + 1]
            w[e] = best
            e += 1
    return u, v, w


@njit(cache=True)
def lower_bounds(
    in_start: Arr, in_from: Arr, in_w: Arr, x_start: Arr, x_from: Arr, x_w: Arr,
    tgt_stops: Arr, tgt_off: Arr, lb: Arr, heap: Arr,
) -> None:
    """Fill ``lb`` (seconds; ``UNREACHED`` where no target can be reached) by Dijkstra from the
    targets (initial cost: their egress offsets) over ride edges ``in_*`` and transfer edges
    ``x_*``, both CSR by head stop.  ``heap`` is int64 scratch of at least
    ``len(in_from) + len(x_from) + len(tgt_stops)`` entries (key * 2**32 + stop, lazy)."""
    lb[:] = UNREACHED
    size = 0
    for j in range(tgt_stops.shape[0]):
        s = tgt_stops[j]
        c = max(tgt_off[j], 0)
        if c < lb[s]:
            lb[s] = c
            size = _lb_push(heap, size, (np.int64(c) << 32) | s)
    while size > 0:
        top = heap[0]
        size -= 1
        if size > 0:
            _lb_sift_down(heap, size)
        s = np.int32(top & 0xFFFFFFFF)
        d = np.int32(top >> 32)
        if d > lb[s]:
            continue
        size = _lb_relax(in_start, in_from, in_w, s, d, lb, heap, size)
        size = _lb_relax(x_start, x_from, x_w, s, d, lb, heap, size)


@njit(cache=True)
def _lb_relax(start: Arr, frm: Arr, w: Arr, s: Any, d: Any, lb: Arr, heap: Arr, size: int) -> int:
    """Relax the in-edges of ``s`` (label ``d``) of one CSR; returns the new heap size."""
    for e in range(start[s], start[s + 1]):
        u = frm[e]
        nd = d + w[e]
        if nd < lb[u]:
            lb[u] = nd
            size = _lb_push(heap, size, (np.int64(nd) << 32) | u)
    return size


@njit(cache=True)
def _lb_push(heap: Arr, size: int, key: np.int64) -> int:
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if heap[p] <= key:
            break
        heap[i] = heap[p]
        i = p
    heap[i] = key
    return size + 1


@njit(cache=True)
def _lb_sift_down(heap: Arr, size: int) -> None:
    """Move ``heap[size]`` (the former last entry) down from the root."""
    key = heap[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] < heap[c]:
            c += 1
        if heap[c] >= key:
            break
        heap[i] = heap[c]
        i = c
    heap[i] = key


@njit(cache=True)
def arrival_time(ctx: Any, src_stops: Arr, src_times: Arr, tgt_stops: Arr, tgt_off: Arr) -> int:
    """Earliest arrival at a target (egress included), seconds, or ``UNREACHED``, for the
    query options in ``ctx.opts``: (wheelchair mode, rounds, horizon s, UNREACHED, 1, use lower
    bounds 0/1).

    A target listed twice counts with its smaller offset.  The labels of the context are
    reset first and left for inspection afterwards (``ctx.lab``); the target index is cleared.
    """
    lab = ctx.lab
    scr = ctx.scr
    opts = ctx.opts
    reset_labels(lab, scr[8], scr[9], scr[10])
    lb = ctx.no_lb
    if opts[5] != 0:
        lb = ctx.lb
        ride = ctx.ride
        xin = ctx.xin
        lower_bounds(ride[0], ride[1], ride[2], xin[0], xin[1], xin[2], tgt_stops, tgt_off, lb,
                     ctx.heap)  # fmt: skip
    tgt_index = ctx.tgt_index
    for j in range(tgt_stops.shape[0]):
        s = tgt_stops[j]
        cur = tgt_index[s]
        if cur < 0 or tgt_off[j] < tgt_off[cur]:
            tgt_index[s] = j
    k = ea_run_active(ctx.net, ctx.rt, ctx.xfer, ctx.act, opts, src_stops, src_times,
                      tgt_index, tgt_off, lab, scr, lb, ctx.nonfifo)  # fmt: skip
    for j in range(tgt_stops.shape[0]):
        tgt_index[tgt_stops[j]] = -1
    best = lab[11]
    out = best[0]
    for r in range(1, k + 1):
        out = min(out, best[r])
    return int(out)


@njit(cache=True)
def arrival_time_one(ctx: Any) -> int:
    """:func:`arrival_time` from one stop to one stop given in ``ctx.one`` (source stop,
    source time, target stop, target offset; one-element arrays): a single argument to pass."""
    one = ctx.one
    return arrival_time(ctx, one[0], one[1], one[2], one[3])


@njit(cache=True)
def nonfifo_patterns(net: Tup, delay_s: Arr) -> Arr:
    """Per pattern, 1 where the delayed times of two consecutive trips (arrival or departure
    plus the stop time's delay, at any position) are out of order, else 0."""
    pattern_stop_start, pattern_trip_start, pattern_st_start = net[0], net[2], net[3]
    arrival_s, departure_s = net[5], net[6]
    n_pat = pattern_stop_start.shape[0] - 1
    out = np.zeros(n_pat, np.uint8)
    for p in range(n_pat):
        length = pattern_stop_start[p + 1] - pattern_stop_start[p]
        base = pattern_st_start[p]
        for t in range(pattern_trip_start[p + 1] - pattern_trip_start[p] - 1):
            r0 = base + t * length
            r1 = r0 + length
            for i in range(length):
                if (arrival_s[r0 + i] + delay_s[r0 + i] > arrival_s[r1 + i] + delay_s[r1 + i]
                        or departure_s[r0 + i] + delay_s[r0 + i]
                        > departure_s[r1 + i] + delay_s[r1 + i]):
                    out[p] = 1
                    break
            if out[p]:
                break
    return out
