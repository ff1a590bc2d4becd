"""Integration: the RAPTOR family on real GTFS feeds compiled by ``feeds.gtfs`` -- earliest
arrival equals the reference CSA, every leg is valid, arrive-by and range agree with it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random

import numpy as np
import pytest

from routing.raptor import RaptorState, earliest_arrival, latest_departure, range_search
from routing.request import TransitRequest
from routing.timetable import Timetable
from tests.conftest import require_shared
from tests.oracles.csa import csa_earliest
from tests.oracles.transit_rules import Rules
from tests.routing.raptor.journey_checks import check_journey

pytestmark = pytest.mark.shared_data

FEEDS = {
    # file: query date (inside the service period), departure hours, reachable pairs needed
    "otp_caltrain_gtfs.zip": (dt.date(2010, 3, 3), (5, 23), 10),
    "otp_simple_frequencies_pathways_transfers.zip": (dt.date(2012, 6, 6), (6, 25), 1),
    "google_transitfeed_sample_feed.zip": (dt.date(2010, 1, 4), (5, 23), 5),
}


def _compile(name: str) -> Timetable:
    from feeds.gtfs import compile_timetable, read_gtfs

    path = require_shared("edge-gtfs", name)
    feed, report = read_gtfs(path, feed_id="f")
    return compile_timetable(feed, report=report)


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_real_feed_matches_csa(name: str) -> None:
    tt = _compile(name)
    day_date, (h0, h1), need = FEEDS[name]
    day = day_date.toordinal()
    state = RaptorState(tt)
    served = np.nonzero(np.diff(tt.stop_pattern_start) > 0)[0].tolist()
    rng = random.Random(5)
    rules = Rules(
        day, state.config.default_min_transfer_s, state.config.default_max_transfer_walk_m
    )
    reached = 0
    for _ in range(40):
        o, d = rng.sample(served, 2)
        t = rng.randint(h0 * 3600, h1 * 3600 - 1)
        req = TransitRequest.between_stops(o, d, day, t)
        got = earliest_arrival(state, req)
        for j in got:
            check_journey(tt, j, rules)
        ref = csa_earliest(tt, rules, [(o, t)], [(d, 0)], state.config.max_rounds,
                           t + state.config.max_travel_s)  # fmt: skip
        assert (got[-1].arr_s if got else math.inf) == ref[-1]
        if not got:
            continue
        reached += 1
        best = got[-1]
        back = latest_departure(state, dataclasses.replace(req, time_s=best.arr_s, arrive_by=True))
        assert back and back[-1].arr_s <= best.arr_s and back[-1].dep_s >= t
        for j in back:
            check_journey(tt, j, rules)
        window = range_search(state, dataclasses.replace(req, window_s=1800))
        for j in window:
            check_journey(tt, j, rules)
            assert t <= j.dep_s <= t + 1800
    assert reached >= need, f"{name}: too few reachable queries to mean anything ({reached})"
