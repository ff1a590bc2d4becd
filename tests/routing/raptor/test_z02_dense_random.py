"""Earliest arrival on denser seeded-random feeds (many trips, footpaths, transfers.txt rules,
three service days) against the reference CSA: exact equality per number of vehicles."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from routing.constants import TRANSFER_FOOTPATH
from routing.raptor import RaptorState, earliest_arrival, earliest_arrival_time
from routing.request import StopTime, TransitRequest, Wheelchair
from routing.timetable import Timetable
from tests.oracles.csa import csa_earliest
from tests.oracles.transit_rules import Rules
from tests.routing.raptor.journey_checks import best_by_vehicles, check_journey
from tests.support.timetable_factory import DAY, TransferSpec, TripSpec, build_timetable

STOPS = [f"S{i}" for i in range(9)]


def dense_feed(seed: int) -> Timetable:
    """A random feed with ~40 trips on 9 stops, times around midnight."""
    trips, kw = dense_spec(seed)
    return build_timetable(STOPS, trips, **kw)


def dense_spec(seed: int) -> tuple[list[TripSpec], dict[str, Any]]:
    """The trips of :func:`dense_feed` and the other arguments of ``build_timetable``."""
    rng = random.Random(seed)
    trips = []
    for r in range(6):
        seq = rng.sample(STOPS, rng.randint(3, 5))
        if rng.random() < 0.2:
            seq.append(seq[0])
        for _ in range(rng.randint(6, 12)):
            t = rng.randint(23 * 60, 24 * 60 + 30) * 60
            times = []
            for i in range(len(seq)):
                if i:
                    t += rng.randint(1, 6) * 60
                dwell = rng.choice([0, 0, 30, 60])
                times.append((t, t + dwell))
                t += dwell
            trips.append(
                TripSpec(f"R{r}", seq, times, service=rng.choice(["daily", "odd", "today"]),
                         wheelchair=rng.choice([0, 1, 1, 2]))
            )  # fmt: skip
    transfers = []
    for _ in range(14):
        a, b = rng.sample(STOPS, 2)
        secs = rng.randint(0, 10) * 30
        transfers.append(TransferSpec(a, b, TRANSFER_FOOTPATH, secs, rng.randint(0, 700)))
    for _ in range(5):
        a = rng.choice(STOPS)
        b = a if rng.random() < 0.5 else rng.choice(STOPS)
        transfers.append(TransferSpec(a, b, rng.choice([0, 1, 2, 3]), rng.randint(0, 8) * 30))
    return trips, {
        "transfers": transfers,
        "stop_wheelchair": {s: rng.choice([0, 1, 1, 2]) for s in STOPS},
        "services": {"odd": [DAY - 1, DAY + 1], "today": [DAY]},
    }


def random_request(rng: random.Random) -> tuple[TransitRequest, Rules, int]:
    """A stop-to-stop request around midnight on the dense feeds, its oracle rules and the
    most vehicles it allows."""
    o, d = rng.sample(range(len(STOPS)), 2)
    q_time = rng.randint(22 * 60 + 30, 24 * 60 + 30) * 60
    mts = rng.choice([0, 45, 120, 300])
    walk_m = rng.choice([0, 400, 1000])
    wc = rng.choice([0, 0, 1, 2])
    kmax = rng.randint(1, 4)
    req = TransitRequest(
        (StopTime(o),), (StopTime(d),), DAY, q_time, min_transfer_s=mts,
        max_transfer_walk_m=walk_m, wheelchair=Wheelchair(wc), max_transfers=kmax - 1,
    )  # fmt: skip
    return req, Rules(DAY, mts, walk_m, wc), kmax


@pytest.mark.parametrize("seed", range(12))
def test_dense_random_feeds_match_csa(seed: int) -> None:
    tt = dense_feed(seed)
    state = RaptorState(tt)  # one state reused by every query: reset() must be complete
    rng = random.Random(1000 + seed)
    for _ in range(25):
        req, rules, kmax = random_request(rng)
        o, d, q_time = req.sources[0].stop, req.targets[0].stop, req.time_s
        got = earliest_arrival(state, req)
        for j in got:
            check_journey(tt, j, rules)
        mine = best_by_vehicles(got, kmax)
        horizon = q_time + state.config.max_travel_s
        expected = csa_earliest(tt, rules, [(o, q_time)], [(d, 0)], kmax, horizon)
        assert mine == expected
        best = earliest_arrival_time(state, req)
        assert (math.inf if best is None else best) == expected[-1]
