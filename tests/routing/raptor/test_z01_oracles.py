"""Differential tests: RAPTOR family vs the reference CSA, a networkx time-expanded graph and
brute-force enumeration, on small random feeds (loops, overtaking trips, trips past midnight,
several service days, footpaths, transfers.txt rules, pickup/drop-off bans, wheelchair)."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.config import RoutingConfig
from routing.constants import TRANSFER_FOOTPATH
from routing.raptor import (
    RaptorState,
    earliest_arrival,
    earliest_arrival_time,
    latest_departure,
    pareto_search,
    range_search,
)
from routing.request import StopTime, TransitRequest, Wheelchair
from routing.timetable import Timetable
from tests.oracles.brute import enumerate_journeys, pareto
from tests.oracles.csa import csa_earliest
from tests.oracles.time_expanded import te_earliest
from tests.oracles.transit_rules import Rules
from tests.routing.raptor.journey_checks import best_by_vehicles, check_journey
from tests.support.timetable_factory import DAY, TransferSpec, TripSpec, build_timetable

NAMES = "ABCDEF"
CONFIG = RoutingConfig()
HORIZON = CONFIG.max_travel_s


@st.composite
def feeds(draw: st.DrawFn, max_trips: int = 7) -> tuple[Timetable, list[int], list[int]]:
    """A random tiny feed."""
    n = draw(st.integers(3, 5))
    stops = list(NAMES[:n])
    trips: list[TripSpec] = []
    n_routes = draw(st.integers(2, 4))
    for r in range(n_routes):
        # routes cover stretches of a line of stops (so most queries need a change), some
        # run backwards, skip stops, or loop back to an earlier stop
        a = draw(st.integers(0, n - 2))
        b = draw(st.integers(a + 1, n - 1))
        seq = [stops[i] for i in range(a, b + 1) if i in (a, b) or draw(st.booleans())]
        if draw(st.integers(0, 4)) == 0:
            seq.reverse()
        if len(seq) >= 3 and draw(st.integers(0, 5)) == 0:
            seq.append(seq[0])
        length = len(seq)
        for _ in range(draw(st.integers(2, max(2, max_trips // n_routes)))):
            t = 23 * 3600 + draw(st.integers(0, 60)) * 60
            times: list[tuple[int, int]] = []
            for i in range(length):
                if i:
                    t += draw(st.integers(1, 20)) * 60
                dwell = draw(st.sampled_from([0, 0, 60]))
                times.append((t, t + dwell))
                t += dwell
            pick = [int(draw(st.integers(0, 9)) == 0) for _ in seq]
            drop = [int(draw(st.integers(0, 9)) == 0) for _ in seq]
            trips.append(
                TripSpec(
                    f"R{r}", seq, times,
                    service=draw(st.sampled_from(["daily", "daily", "odd", "today"])),
                    pickup=pick, drop_off=drop,
                    wheelchair=draw(st.sampled_from([0, 1, 1, 2])),
                )
            )  # fmt: skip
    transfers: list[TransferSpec] = []
    for _ in range(draw(st.integers(0, 8))):
        a, b = draw(st.sampled_from(stops)), draw(st.sampled_from(stops))
        kind = draw(st.sampled_from([TRANSFER_FOOTPATH] * 4 + [0, 1, 2, 3]))
        if kind == TRANSFER_FOOTPATH and a == b:
            continue
        secs = draw(st.integers(0, 8)) * 60
        transfers.append(TransferSpec(a, b, kind, secs, draw(st.integers(0, 800))))
    wc = {s: draw(st.sampled_from([0, 1, 1, 1, 2])) for s in stops}
    tt = build_timetable(
        stops, trips, transfers=transfers, stop_wheelchair=wc,
        services={"odd": [DAY - 1, DAY + 1], "today": [DAY]},
    )  # fmt: skip
    # queries start where routes start and end where routes end, so most have answers
    origins = sorted({NAMES.index(t.stops[0]) for t in trips} | {0})
    dests = sorted({NAMES.index(t.stops[-1]) for t in trips} | {n - 1})
    return tt, origins, dests


@st.composite
def queries(draw: st.DrawFn, origins: list[int], dests: list[int]) -> dict[str, int]:
    """Random query parameters."""
    return {
        "origin": draw(st.sampled_from(origins)),
        "dest": draw(st.sampled_from(dests)),
        "time_s": 22 * 3600 + draw(st.integers(0, 10)) * 600,
        "mts": draw(st.sampled_from([0, 120, 300])),
        "walk_m": draw(st.sampled_from([0, 300, 1000])),
        "wc": draw(st.sampled_from([0, 0, 0, 1, 2])),
        "max_tr": draw(st.sampled_from([0, 1, 2, 2])),
    }


def _request(q: dict[str, int], tt: Timetable, **kw: object) -> TransitRequest:
    return TransitRequest(
        (StopTime(q["origin"]),), (StopTime(q["dest"]),),
        DAY, q["time_s"], min_transfer_s=q["mts"], max_transfer_walk_m=q["walk_m"],
        wheelchair=Wheelchair(q["wc"]), max_transfers=q["max_tr"], **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _rules(q: dict[str, int]) -> Rules:
    return Rules(DAY, q["mts"], q["walk_m"], q["wc"])


@st.composite
def cases(draw: st.DrawFn, max_trips: int = 9) -> tuple[Timetable, dict[str, int]]:
    """A feed and a query on it."""
    tt, origins, dests = draw(feeds(max_trips))
    q = draw(queries(origins, dests))
    if q["dest"] == q["origin"]:
        q["dest"] = max(dests) if max(dests) != q["origin"] else min(dests)
    return tt, q


SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.large_base_example,
        HealthCheck.data_too_large,
    ],
)


@SETTINGS
@given(cases())
def test_earliest_arrival_matches_csa_and_time_expanded(
    case: tuple[Timetable, dict[str, int]],
) -> None:
    tt, q = case
    state = RaptorState(tt, CONFIG)
    req = _request(q, tt)
    journeys = earliest_arrival(state, req)
    for j in journeys:
        check_journey(tt, j, _rules(q))
    kmax = q["max_tr"] + 1
    src = [(req.sources[0].stop, q["time_s"])]
    tgt = [(req.targets[0].stop, 0)]
    expected = csa_earliest(tt, _rules(q), src, tgt, kmax, q["time_s"] + HORIZON)
    assert best_by_vehicles(journeys, kmax) == expected
    # the one-call arrival time (lower bounds, query context) gives the same number
    best = earliest_arrival_time(state, req)
    assert (math.inf if best is None else best) == expected[-1]
    # transfers strictly decrease the arrival along the returned list
    arrs = [j.arr_s for j in journeys]
    assert arrs == sorted(arrs, reverse=True) and len(set(arrs)) == len(arrs)
    unlimited = earliest_arrival(state, _request({**q, "max_tr": 5}, tt))
    te = te_earliest(tt, _rules(q), src, tgt)
    assert (unlimited[-1].arr_s if unlimited else math.inf) == te


@SETTINGS
@given(cases(max_trips=6))
def test_pareto_matches_brute_force(case: tuple[Timetable, dict[str, int]]) -> None:
    tt, q = case
    state = RaptorState(tt, CONFIG)
    req = _request(q, tt)
    got = pareto_search(state, req)
    for j in got:
        check_journey(tt, j, _rules(q))
    crit = [j.criteria() for j in got]
    assert len(set(crit)) == len(crit)
    brute = enumerate_journeys(
        tt, _rules(q), [(req.sources[0].stop, q["time_s"], 0, 0)], [(req.targets[0].stop, 0, 0)],
        q["max_tr"] + 1, q["time_s"] + HORIZON,
    )  # fmt: skip
    expected = pareto([(b.arr_s, b.transfers, b.walk_s) for b in brute])
    assert set(crit) == expected


@SETTINGS
@given(cases(max_trips=6), st.sampled_from([1800, 3600, 7200]))
def test_range_matches_brute_force(case: tuple[Timetable, dict[str, int]], window: int) -> None:
    tt, q = case
    state = RaptorState(tt, CONFIG)
    req = _request(q, tt, window_s=window)
    got = range_search(state, req)
    for j in got:
        check_journey(tt, j, _rules(q))
    lo = q["time_s"]
    brute = enumerate_journeys(
        tt, _rules(q), [(req.sources[0].stop, lo, 0, 0)], [(req.targets[0].stop, 0, 0)],
        q["max_tr"] + 1, lo + HORIZON,
    )  # fmt: skip
    inside = [(-b.dep_s, b.arr_s, b.transfers) for b in brute if b.dep_s <= lo + window]
    expected = {(-d, a, t) for d, a, t in pareto(inside)}
    assert {(j.dep_s, j.arr_s, j.transfers) for j in got} == expected


@SETTINGS
@given(cases(max_trips=6))
def test_arrive_by_matches_brute_force(case: tuple[Timetable, dict[str, int]]) -> None:
    tt, q = case
    state = RaptorState(tt, CONFIG)
    req = _request(q, tt, arrive_by=True)
    got = latest_departure(state, req)
    for j in got:
        check_journey(tt, j, _rules(q))
        assert j.arr_s <= q["time_s"]
    deadline = q["time_s"]
    kmax = q["max_tr"] + 1
    brute = enumerate_journeys(
        tt, _rules(q), [(req.sources[0].stop, deadline - HORIZON, 0, 0)],
        [(req.targets[0].stop, 0, 0)], kmax, deadline,
    )  # fmt: skip
    best = [-math.inf] * (kmax + 1)
    for b in brute:
        for k in range(b.vehicles, kmax + 1):
            best[k] = max(best[k], b.dep_s)
    mine = [-math.inf] * (kmax + 1)
    for j in got:
        for k in range(j.transfers + 1, kmax + 1):
            mine[k] = max(mine[k], j.dep_s)
    assert mine == best
