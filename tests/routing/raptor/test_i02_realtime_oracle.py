"""Realtime delays and cancellations against an oracle: the same feed with the query day's
instance of every trip moved by its delays (or removed when cancelled), searched by the
reference CSA and by brute force.

The overlay never edits the timetable: RAPTOR reads the delays beside it.  Delays are drawn so
that each shifted trip stays non-decreasing in time; trips may then overtake each other, which
the shifted feed simply re-patterns.  The realtime arrays describe one service day: the
previous and next day's instances of the same trips run on schedule (the dense feeds have trips
around midnight, so both kinds meet in every query).
"""

from __future__ import annotations

import dataclasses
import math
import random

import numpy as np
import pytest

from routing.raptor import RaptorState, earliest_arrival, latest_departure, pareto_search
from routing.raptor.state import RealtimeArrays
from routing.request import StopTime, TransitRequest
from routing.timetable import Timetable
from tests.oracles.brute import enumerate_journeys, pareto
from tests.oracles.csa import csa_earliest
from tests.oracles.transit_rules import Rules
from tests.routing.raptor.journey_checks import best_by_vehicles
from tests.routing.raptor.test_z02_dense_random import STOPS, dense_spec, random_request
from tests.support.timetable_factory import DAY, TripSpec, build_timetable


def _secs(t: object) -> int:
    if isinstance(t, int):
        return t
    h, m, *sec = str(t).split(":")
    return int(h) * 3600 + int(m) * 60 + (int(sec[0]) if sec else 0)


def _times(trip: TripSpec) -> list[tuple[int, int]]:
    out = []
    for t in trip.times:
        a, d = t if isinstance(t, tuple) else (t, t)
        out.append((_secs(a), _secs(d)))
    return out


def _delays(rng: random.Random, times: list[tuple[int, int]]) -> list[int]:
    """Per stop delay, seconds, keeping ``dep_i + d_i <= arr_(i+1) + d_(i+1)``."""
    out = [rng.choice([0, 0, 60, 180, 420, -60])]
    for i in range(1, len(times)):
        floor = out[-1] - (times[i][0] - times[i - 1][1])
        out.append(max(floor, rng.choice([out[-1], out[-1], 0, out[-1] + 120, out[-1] - 90])))
    return out


def _with_realtime(seed: int) -> tuple[Timetable, RealtimeArrays, Timetable]:
    """(static feed, the realtime arrays of service day ``DAY``, the same feed with that
    realtime applied: each trip's ``DAY`` instance moved by its delays or dropped when
    cancelled, its instances on other days unchanged)."""
    trips, kw = dense_spec(seed)
    rng = random.Random(7000 + seed)
    delays = [_delays(rng, _times(t)) for t in trips]
    cancelled = [rng.random() < 0.12 for _ in trips]
    static = build_timetable(STOPS, trips, **kw)
    first = DAY - 1  # the factory's default day range: DAY - 1 .. DAY + 5
    days = dict(kw["services"])
    days.setdefault("daily", list(range(first, first + 7)))
    services = {**days, **{f"{name}-not-today": [x for x in ds if x != DAY]
                           for name, ds in days.items()}, "only-today": [DAY]}  # fmt: skip
    applied_trips = []
    for t, dl, c in zip(trips, delays, cancelled, strict=True):
        applied_trips.append(dataclasses.replace(t, service=f"{t.service}-not-today"))
        if DAY in days[t.service] and not c:
            times = [(a + d, b + d) for (a, b), d in zip(_times(t), dl, strict=True)]
            applied_trips.append(dataclasses.replace(t, times=times, service="only-today"))
    applied = build_timetable(STOPS, applied_trips, **{**kw, "services": services})
    delay_s = np.zeros(static.n_stop_times, np.int32)
    cancel = np.zeros(static.n_trips, np.bool_)
    for t in range(static.n_trips):
        k = int(static.trip_gtfs[t])
        cancel[t] = cancelled[k]
        for pos, d in enumerate(delays[k]):
            delay_s[static.stop_time_index(t, pos)] = d
    return static, RealtimeArrays(delay_s, cancel), applied


@pytest.mark.parametrize("seed", range(10))
def test_delays_and_cancellations_match_the_shifted_feed(seed: int) -> None:
    static, rt, applied = _with_realtime(seed)
    state = RaptorState(static)
    rng = random.Random(300 + seed)
    for _ in range(25):
        req, rules, kmax = random_request(rng)
        o, d, q_time = req.sources[0].stop, req.targets[0].stop, req.time_s
        got = earliest_arrival(state, req, realtime=rt)
        mine = best_by_vehicles(got, kmax)
        horizon = q_time + state.config.max_travel_s
        expected = csa_earliest(applied, rules, [(o, q_time)], [(d, 0)], kmax, horizon)
        assert mine == expected, req


@pytest.mark.parametrize("seed", range(6))
def test_arrive_by_with_delays_is_consistent(seed: int) -> None:
    """The latest departure with delays arrives in time on the shifted feed, and no later
    departure from the origin arrives in time there (checked with the CSA from that time)."""
    static, rt, applied = _with_realtime(seed)
    state = RaptorState(static)
    rng = random.Random(900 + seed)
    for _ in range(15):
        o, d = rng.sample(range(len(STOPS)), 2)
        deadline = rng.randint(23 * 60 + 30, 25 * 60 + 30) * 60
        req = TransitRequest((StopTime(o),), (StopTime(d),), DAY, deadline, arrive_by=True,
                             min_transfer_s=60, max_transfer_walk_m=500)  # fmt: skip
        got = latest_departure(state, req, realtime=rt)
        rules = Rules(DAY, 60, 500, 0)
        if not got:
            continue
        best = got[-1]
        assert best.arr_s <= deadline
        arr = csa_earliest(applied, rules, [(o, best.dep_s)], [(d, 0)], 10)[-1]
        assert arr <= deadline
        later = csa_earliest(applied, rules, [(o, best.dep_s + 1)], [(d, 0)], 10)[-1]
        assert later > deadline or math.isinf(later)


@pytest.mark.parametrize("seed", range(8))
def test_pareto_with_delays_matches_brute_force_on_the_shifted_feed(seed: int) -> None:
    static, rt, applied = _with_realtime(seed)
    state = RaptorState(static)
    rng = random.Random(500 + seed)
    for _ in range(6):
        o, d = rng.sample(range(len(STOPS)), 2)
        q_time = rng.randint(23 * 60, 24 * 60 + 15) * 60
        req = TransitRequest((StopTime(o),), (StopTime(d),), DAY, q_time, min_transfer_s=60,
                             max_transfer_walk_m=500, max_transfers=2)  # fmt: skip
        got = pareto_search(state, req, realtime=rt)
        crit = {j.criteria() for j in got}
        brute = enumerate_journeys(applied, Rules(DAY, 60, 500, 0), [(o, q_time, 0, 0)],
                                   [(d, 0, 0)], 3, q_time + state.config.max_travel_s)  # fmt: skip
        assert crit == pareto([(b.arr_s, b.transfers, b.walk_s) for b in brute]), (o, d, q_time)
