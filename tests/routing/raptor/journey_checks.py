"""Certificate checks on returned journeys: every leg is real and the chain is feasible."""

from __future__ import annotations

import math
from collections.abc import Sequence

from routing.constants import DAY_S
from routing.path import AccessLeg, EgressLeg, Journey, TransferLeg, TransitLeg
from routing.timetable import Timetable
from tests.oracles.transit_rules import Rules, transfers


def check_journey(tt: Timetable, j: Journey, rules: Rules) -> None:
    """Assert that ``j`` is a valid journey under ``rules`` with times from the timetable."""
    tr = transfers(tt, rules)
    trip_pattern = tt.trip_pattern()
    prev_arr: int | None = None
    prev_stop: int | None = None
    pending_change: TransferLeg | None = None
    rides = 0
    for leg in j.legs:
        if isinstance(leg, TransitLeg):
            rides += 1
            p = int(trip_pattern[leg.trip])
            a = int(tt.pattern_stop_start[p])
            length = int(tt.pattern_stop_start[p + 1]) - a
            assert 0 <= leg.board_pos < leg.alight_pos < length
            assert int(tt.pattern_stops[a + leg.board_pos]) == leg.board_stop
            assert int(tt.pattern_stops[a + leg.alight_pos]) == leg.alight_stop
            base = int(tt.pattern_st_start[p]) + (leg.trip - int(tt.pattern_trip_start[p])) * length
            shift = (leg.service_day - j.day) * DAY_S
            assert leg.dep_s == int(tt.departure_s[base + leg.board_pos]) + shift
            assert leg.arr_s == int(tt.arrival_s[base + leg.alight_pos]) + shift
            assert tt.is_active(int(tt.trip_service[leg.trip]), leg.service_day)
            assert abs(leg.service_day - j.day) <= 1
            assert int(tt.pickup_type[base + leg.board_pos]) != 1
            assert int(tt.drop_off_type[base + leg.alight_pos]) != 1
            if prev_arr is not None:
                assert prev_stop is not None
                assert pending_change is not None, "two rides without a change leg"
                if prev_stop == leg.board_stop:
                    own = tr.own[prev_stop]
                    assert own is not None, "change at a stop that forbids it"
                    need = own
                else:
                    assert pending_change.from_stop == prev_stop
                    assert pending_change.to_stop == leg.board_stop
                    need = tr.edges[prev_stop][leg.board_stop][0]
                assert pending_change.duration_s == need
                assert leg.dep_s >= prev_arr + need
            prev_arr, prev_stop, pending_change = leg.arr_s, leg.alight_stop, None
        elif isinstance(leg, TransferLeg):
            pending_change = leg
        else:
            assert isinstance(leg, AccessLeg | EgressLeg)
    assert rides >= 1 and j.transfers == rides - 1
    firsts = [leg for leg in j.legs if isinstance(leg, TransitLeg)]
    assert j.dep_s <= firsts[0].dep_s and j.arr_s >= firsts[-1].arr_s


def best_by_vehicles(journeys: Sequence[Journey], kmax: int) -> list[float]:
    """Best arrival using at most ``k`` vehicles, ``k = 0..kmax`` (the CSA oracle's format)."""
    out = [math.inf] * (kmax + 1)
    for j in journeys:
        for k in range(j.transfers + 1, kmax + 1):
            out[k] = min(out[k], j.arr_s)
    return out
