"""Journey reconstruction from RAPTOR round labels into :mod:`routing.path` types.

Labels are walked backwards in the kernel's frame (forward, or time-reversed for arrive-by)
into raw rides and changes; :func:`build_journey` then turns them into legs whose times are read
from the timetable, so every transit leg is a real (trip, service day, board, alight).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from routing.constants import DAY_S, TRANSFER_RECOMMENDED
from routing.path import AccessLeg, EgressLeg, Journey, Leg, TransferLeg, TransitLeg
from routing.raptor import kernels
from routing.timetable import Timetable


@dataclass(frozen=True)
class Ride:
    """A ride in the original (forward) frame."""

    trip: int
    pattern: int
    board_pos: int
    alight_pos: int
    day_offset: int


@dataclass(frozen=True)
class Change:
    """A change between rides: ``row`` is a resolved-transfer row, -1 for a same-stop change."""

    from_stop: int
    to_stop: int
    row: int


RawLeg = Ride | Change


def walk_back(
    lab: tuple[Any, ...], net: tuple[Any, ...], k: int, stop: int
) -> tuple[list[RawLeg], int]:
    """Raw legs (kernel frame, last first) of the round-``k`` arrival at ``stop`` and the
    index of the source it started from."""
    (arr, _brd, a_pat, a_trip, a_day, a_bpos, a_apos, a_round, b_from, b_row, b_round) = lab[:11]
    pattern_stop_start, pattern_stops = net[0], net[1]
    out: list[RawLeg] = []
    s, r = stop, k
    for _ in range(4 * arr.shape[0]):
        r = int(a_round[r, s])
        p = int(a_pat[r, s])
        bpos = int(a_bpos[r, s])
        out.append(Ride(int(a_trip[r, s]), p, bpos, int(a_apos[r, s]), int(a_day[r, s])))
        b = int(pattern_stops[pattern_stop_start[p] + bpos])
        frm, row, br = int(b_from[r - 1, b]), int(b_row[r - 1, b]), int(b_round[r - 1, b])
        if frm == kernels.FROM_SOURCE:
            return out, row
        out.append(Change(b if frm == kernels.FROM_SAME_STOP else frm, b, row))
        s, r = (b if frm == kernels.FROM_SAME_STOP else frm), br
    raise RuntimeError("corrupt RAPTOR parent chain")


def reverse_raw(
    raw: list[RawLeg], tt: Timetable, trip_of: np.ndarray, row_of: np.ndarray
) -> list[RawLeg]:
    """Map raw legs of the time-reversed frame (already in forward order) to the original;
    ``row_of`` maps reversed resolved-transfer rows to forward ones."""
    out: list[RawLeg] = []
    for leg in raw:
        if isinstance(leg, Ride):
            length = int(
                tt.pattern_stop_start[leg.pattern + 1] - tt.pattern_stop_start[leg.pattern]
            )
            out.append(
                Ride(
                    int(trip_of[leg.trip]), leg.pattern, length - 1 - leg.alight_pos,
                    length - 1 - leg.board_pos, -leg.day_offset,
                )
            )  # fmt: skip
        else:
            out.append(
                Change(leg.to_stop, leg.from_stop, int(row_of[leg.row]) if leg.row >= 0 else -1)
            )
    return out


def _own_kind(tt: Timetable, stop: int) -> int:
    """GTFS kind of the stop's own transfers.txt rule (0 when it has none)."""
    for r in range(int(tt.transfer_start[stop]), int(tt.transfer_start[stop + 1])):
        if int(tt.transfer_to[r]) == stop and int(tt.transfer_kind[r]) <= 3:
            return int(tt.transfer_kind[r])
    return TRANSFER_RECOMMENDED


def build_journey(
    tt: Timetable,
    raw: list[RawLeg],
    *,
    day: int,
    xfer: tuple[Any, ...],
    source_offset_s: int,
    source_walk_s: int,
    target_offset_s: int,
    target_walk_s: int,
    delay_s: np.ndarray | None = None,
    penalty_per_unknown_s: int = 0,
) -> Journey:
    """Legs with timetable times (forward order raw legs) -> :class:`Journey`."""
    own, _start, _to, dur, walk, row_of = xfer
    legs: list[Leg] = []
    walk_total = source_walk_s + target_walk_s
    penalty = 0
    rides = [leg for leg in raw if isinstance(leg, Ride)]
    for leg in raw:
        if isinstance(leg, Ride):
            p = leg.pattern
            a = int(tt.pattern_stop_start[p])
            length = int(tt.pattern_stop_start[p + 1]) - a
            k = leg.trip - int(tt.pattern_trip_start[p])
            base = int(tt.pattern_st_start[p]) + k * length
            dd = leg.day_offset * DAY_S
            dep = int(tt.departure_s[base + leg.board_pos]) + dd
            arr = int(tt.arrival_s[base + leg.alight_pos]) + dd
            # realtime describes the query day's trip instances only
            if delay_s is not None and delay_s.shape[0] and leg.day_offset == 0:
                dep += int(delay_s[base + leg.board_pos])
                arr += int(delay_s[base + leg.alight_pos])
            bs = int(tt.pattern_stops[a + leg.board_pos])
            als = int(tt.pattern_stops[a + leg.alight_pos])
            if penalty_per_unknown_s:
                penalty += penalty_per_unknown_s * (
                    int(tt.trip_wheelchair[leg.trip] == 0) + int(tt.stop_wheelchair[bs] == 0)
                )
            legs.append(TransitLeg(leg.trip, leg.board_pos, leg.alight_pos, bs, als, dep, arr,
                                   day + leg.day_offset))  # fmt: skip
        elif leg.row < 0:
            legs.append(TransferLeg(leg.from_stop, leg.to_stop, int(own[leg.from_stop]), 0,
                                    _own_kind(tt, leg.from_stop), 0))  # fmt: skip
        else:
            r = int(row_of[leg.row])
            w = int(walk[leg.row])
            walk_total += w
            length_m, kind = int(tt.transfer_m[r]), int(tt.transfer_kind[r])
            legs.append(
                TransferLeg(leg.from_stop, leg.to_stop, int(dur[leg.row]), length_m, kind, w)
            )
    first = legs[0]
    last = legs[-1]
    assert isinstance(first, TransitLeg) and isinstance(last, TransitLeg)
    dep_s = first.dep_s - source_offset_s
    arr_s = last.arr_s + target_offset_s
    if source_offset_s:
        legs.insert(0, AccessLeg(first.board_stop, dep_s, first.dep_s, source_walk_s))
    if target_offset_s:
        legs.append(EgressLeg(last.alight_stop, last.arr_s, arr_s, target_walk_s))
    return Journey(day, dep_s, arr_s, len(rides) - 1, walk_total, tuple(legs), penalty)
