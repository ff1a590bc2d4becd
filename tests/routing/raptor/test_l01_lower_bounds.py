"""Lower bounds of goal-directed RAPTOR and the one-call arrival time, against the CSA oracle.

A bound is admissible when no journey standing at stop ``s`` at time ``t`` reaches a target
before ``t + lb[s]``: checked on dense random feeds (trips around midnight, footpaths,
transfers.txt types) for every stop and many departure times, forward and time-reversed.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from routing.raptor import RaptorState, earliest_arrival, earliest_arrival_time
from routing.raptor.kernels import UNREACHED
from routing.request import StopTime, TransitRequest
from tests.oracles.csa import csa_earliest
from tests.oracles.transit_rules import Rules
from tests.routing.raptor.test_z02_dense_random import STOPS, dense_feed
from tests.support.timetable_factory import DAY


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("mts", "walk_m"), [(0, 0), (120, 1000)])
def test_lower_bounds_never_exceed_a_real_journey(seed: int, mts: int, walk_m: int) -> None:
    tt = dense_feed(seed)
    state = RaptorState(tt)
    rng = random.Random(seed)
    rules = Rules(DAY, mts, walk_m, 0)
    for _ in range(3):
        d = rng.randrange(len(STOPS))
        egress = rng.choice([0, 0, 90])
        lb = state.lower_bounds(np.array([d], np.int32), np.array([egress], np.int32),
                                mts, walk_m).copy()  # fmt: skip
        assert lb[d] == egress
        for s in range(len(STOPS)):
            for t in range(22 * 3600, 25 * 3600, 600):
                best = csa_earliest(tt, rules, [(s, t)], [(d, egress)], 6)[-1]
                if s == d:
                    continue
                if math.isinf(best):
                    continue
                assert lb[s] < UNREACHED, f"stop {s} reaches {d} but has no bound"
                assert t + lb[s] <= best, f"lb[{s}]={lb[s]} > journey {best - t} s"


@pytest.mark.parametrize("seed", range(6))
def test_arrival_time_with_several_targets_and_offsets(seed: int) -> None:
    tt = dense_feed(seed)
    state = RaptorState(tt)
    rng = random.Random(50 + seed)
    for _ in range(20):
        stops = rng.sample(range(len(STOPS)), 5)
        srcs = tuple(StopTime(s, rng.choice([0, 60, 300])) for s in stops[:2])
        tgts = [StopTime(s, rng.choice([0, 45, 400])) for s in stops[2:]]
        tgts.append(StopTime(stops[2], 10))  # a target listed twice: the smaller offset counts
        t = rng.randint(22 * 60 + 30, 24 * 60 + 30) * 60
        req = TransitRequest(srcs, tuple(tgts), DAY, t, min_transfer_s=rng.choice([0, 120]),
                             max_transfer_walk_m=rng.choice([0, 800]))  # fmt: skip
        journeys = earliest_arrival(state, req)
        got = earliest_arrival_time(state, req)
        assert got == (journeys[-1].arr_s if journeys else None)
        rules = Rules(DAY, req.min_transfer_s or 0, req.max_transfer_walk_m or 0, 0)
        expected = csa_earliest(
            tt, rules, [(s.stop, t + s.offset_s) for s in srcs],
            [(s.stop, s.offset_s) for s in tgts], state.config.max_rounds,
            t + state.config.max_travel_s,
        )[-1]  # fmt: skip
        assert (math.inf if got is None else got) == expected


def test_arrival_time_rejects_arrive_by() -> None:
    from routing.errors import InvalidRequestError

    state = RaptorState(dense_feed(0))
    req = TransitRequest((StopTime(0),), (StopTime(1),), DAY, 8 * 3600, arrive_by=True)
    with pytest.raises(InvalidRequestError, match="arrive_by"):
        earliest_arrival_time(state, req)


def test_delays_that_reverse_time_allow_no_bound() -> None:
    tt = dense_feed(1)
    state = RaptorState(tt)
    delay = np.zeros(tt.n_stop_times, np.int32)
    # the second stop time of the first trip an hour early: its first segment goes back
    delay[tt.stop_time_index(0, 1)] = -3600
    tgt = (np.array([0], np.int32), np.array([0], np.int32))
    assert state.lower_bounds(*tgt, 0, 0, delay_s=delay).shape[0] == 0
    assert state.lower_bounds(*tgt, 0, 0, delay_s=np.zeros_like(delay)).shape[0] == tt.n_stops
