"""Acceptance of the routing core on real feeds: RAPTOR earliest arrival equals the fast
reference CSA on random stop-to-stop queries (six feeds), every returned transit leg exists in
the timetable; and the fast CSA itself equals the plain-Python CSA oracle per vehicle count."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

from bench.agreement import FEEDS, busiest_day, check_legs, load_feed, run_agreement
from routing.config import RoutingConfig
from routing.path import TransitLeg
from routing.raptor import RaptorState, earliest_arrival
from routing.request import TransitRequest
from routing.timetable import Timetable
from tests.conftest import require_shared
from tests.oracles.csa import csa_earliest
from tests.oracles.csa_fast import FastCSA, build_index
from tests.oracles.transit_rules import Rules
from tests.routing.raptor.test_z01_oracles import SETTINGS, cases

CONFIG = RoutingConfig()
QUERIES = 150
#: Minimum number of queries with a journey, so a feed run means something.
MIN_FOUND = {"otp-simple": 5, "otp-interlining": 5}


@pytest.fixture(scope="module")
def snap_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the Timisoara snapshot is built for this module."""
    return tmp_path_factory.mktemp("agreement-snap")


def _timetable(name: str, snap_root: Path) -> Timetable:
    if name == "timisoara":
        return load_feed(name, Path("."), snapshot_root=snap_root)
    for rel in FEEDS[name]:
        require_shared(*rel.split("/"))
    return load_feed(name, require_shared())


@SETTINGS
@given(cases())
def test_fast_csa_equals_reference_csa_on_random_feeds(
    case: tuple[Timetable, dict[str, int]],
) -> None:
    tt, q = case
    rules = Rules(736_968, q["mts"], q["walk_m"], q["wc"])
    kmax = q["max_tr"] + 1
    src, tgt = [(q["origin"], q["time_s"])], [(q["dest"], 0)]
    horizon = q["time_s"] + CONFIG.max_travel_s
    expected = csa_earliest(tt, rules, src, tgt, kmax, horizon)
    assert FastCSA(build_index(tt, rules), kmax).earliest(src, tgt, horizon) == expected


@pytest.mark.shared_data
def test_fast_csa_equals_reference_csa_on_caltrain() -> None:
    path = require_shared("edge-gtfs", "otp_caltrain_gtfs.zip")
    from feeds.gtfs import compile_timetable, read_gtfs
    from feeds.report import IngestReport

    feed, _ = read_gtfs(path)
    tt = compile_timetable(feed, report=IngestReport(source="t"))
    day = busiest_day(tt)
    rules = Rules(day, 120, 0)
    csa = FastCSA(build_index(tt, rules), CONFIG.max_rounds)
    served = np.nonzero(np.diff(tt.stop_pattern_start) > 0)[0].tolist()
    rng = random.Random(3)
    reached = 0
    for _ in range(20):
        o, d = rng.sample(served, 2)
        t = rng.randint(5 * 3600, 23 * 3600)
        src, tgt = [(o, t)], [(d, 0)]
        ref = csa_earliest(tt, rules, src, tgt, CONFIG.max_rounds, t + CONFIG.max_travel_s)
        assert csa.earliest(src, tgt, t + CONFIG.max_travel_s) == ref
        reached += ref[-1] < float("inf")
    assert reached >= 10


@pytest.mark.shared_data
@pytest.mark.parametrize("name", list(FEEDS))
def test_raptor_agrees_with_csa_and_legs_exist(name: str, snap_root: Path) -> None:
    tt = _timetable(name, snap_root)
    res = run_agreement(name, tt, QUERIES, seed=11)
    assert res.queries == QUERIES
    assert not res.failures, res.failures[:5]
    assert res.agree == res.agree_per_k == QUERIES
    assert res.found >= MIN_FOUND.get(name, QUERIES // 2), f"only {res.found} journeys"
    assert res.legs >= res.found


@pytest.mark.shared_data
def test_leg_check_rejects_a_leg_the_timetable_does_not_have() -> None:
    path = require_shared("edge-gtfs", "otp_caltrain_gtfs.zip")
    from feeds.gtfs import compile_timetable, read_gtfs
    from feeds.report import IngestReport

    feed, _ = read_gtfs(path)
    tt = compile_timetable(feed, report=IngestReport(source="t"))
    day = busiest_day(tt)
    state = RaptorState(tt)
    served = np.nonzero(np.diff(tt.stop_pattern_start) > 0)[0].tolist()
    rng = random.Random(1)
    journey = None
    while journey is None:
        o, d = rng.sample(served, 2)
        got = earliest_arrival(state, TransitRequest.between_stops(o, d, day, 8 * 3600))
        journey = got[-1] if got else None
    pattern = tt.trip_pattern()
    assert check_legs(tt, journey, pattern) == []
    i = next(i for i, leg in enumerate(journey.legs) if isinstance(leg, TransitLeg))
    leg = journey.legs[i]
    assert isinstance(leg, TransitLeg)
    for bad in (
        dataclasses.replace(leg, dep_s=leg.dep_s - 60),
        dataclasses.replace(leg, service_day=leg.service_day + 4000),
        dataclasses.replace(leg, alight_stop=leg.board_stop),
    ):
        legs = (*journey.legs[:i], bad, *journey.legs[i + 1 :])
        assert check_legs(tt, dataclasses.replace(journey, legs=legs), pattern)
