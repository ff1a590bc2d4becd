"""Stop-to-stop ``/v1/plan`` through HTTP agrees with the reference connection scan, and every
transit leg it returns exists in the GTFS (that trip serves both stops at those times)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from fastapi.testclient import TestClient

from maas.services.places import service_base
from routing.constants import MAX_ROUNDS
from routing.snapshot import load_snapshot
from routing.timetable import Timetable
from tests.maas.conftest import serve
from tests.oracles.csa import csa_earliest
from tests.oracles.transit_rules import Rules

#: Time window [t0, t1] (seconds of the query day) of the current query: runs entirely outside
#: it cannot matter (a connection departing before the query time cannot be boarded, one
#: arriving after the horizon is ignored by the scan), so the oracle scans only the others.
WINDOW: list[int] = [0, 1 << 40]


@pytest.fixture(autouse=True)
def _cache_oracle_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference scan rebuilds its trip runs per query; build them once per timetable and
    hand it only the runs overlapping the query's time window (an exact restriction)."""
    from tests.oracles import csa

    cache: dict[tuple[int, object, str], object] = {}
    full_runs, full_transfers = csa.runs, csa.transfers

    def runs(tt, rules):  # type: ignore[no-untyped-def]
        key = (id(tt), rules, "runs")
        if key not in cache:
            cache[key] = full_runs(tt, rules)
        t0, t1 = WINDOW
        return [r for r in cache[key] if r.dep[0] <= t1 and r.arr[-1] >= t0]  # type: ignore[attr-defined]

    def transfers(tt, rules):  # type: ignore[no-untyped-def]
        key = (id(tt), rules, "transfers")
        if key not in cache:
            cache[key] = full_transfers(tt, rules)
        return cache[key]

    monkeypatch.setattr(csa, "runs", runs)
    monkeypatch.setattr(csa, "transfers", transfers)


def _seconds(iso: str, day: int, tz: ZoneInfo) -> int:
    return int((datetime.fromisoformat(iso) - service_base(day, tz)).total_seconds())


def check_leg_in_gtfs(tt: Timetable, leg: dict, day: int, tz: ZoneInfo) -> None:  # type: ignore[type-arg]
    """The leg's trip serves its from/to stops at its start/end times on an active day."""
    names = tt.names
    g = names.trip_ids.index(leg["trip_id"])
    a = names.stop_ids.index(leg["from"]["stop_id"])
    b = names.stop_ids.index(leg["to"]["stop_id"])
    dep = _seconds(leg["start_time"], day, tz)
    arr = _seconds(leg["end_time"], day, tz)
    trips = np.flatnonzero(np.asarray(tt.trip_gtfs) == g)
    for t in trips.tolist():
        p = int(np.searchsorted(tt.pattern_trip_start, t, side="right") - 1)
        s0, s1 = int(tt.pattern_stop_start[p]), int(tt.pattern_stop_start[p + 1])
        stops = np.asarray(tt.pattern_stops[s0:s1]).tolist()
        for off in (-1, 0, 1):
            if not tt.is_active(int(tt.trip_service[t]), day + off):
                continue
            shift = off * 86_400
            for i, s in enumerate(stops):
                if s != a or int(tt.departure_s[tt.stop_time_index(t, i)]) + shift != dep:
                    continue
                for j in range(i + 1, len(stops)):
                    if stops[j] == b and int(tt.arrival_s[tt.stop_time_index(t, j)]) + shift == arr:
                        return
    pytest.fail(f"leg not in the GTFS: {leg['trip_id']} {leg['from']['stop_id']}@"
                f"{leg['start_time']} -> {leg['to']['stop_id']}@{leg['end_time']}")


def _agree(client: TestClient, root: Path, day: date, hours: tuple[int, int], seed: int,
           n_queries: int, horizon_s: int, max_transfers: int = MAX_ROUNDS - 1) -> None:
    net = load_snapshot(root)
    tt = net.timetable
    tz = ZoneInfo(net.meta.timezone)
    rng = random.Random(seed)
    boarding = sorted(set(np.asarray(tt.pattern_stops).tolist()))
    d = day.toordinal()
    rules = Rules(day=d, min_transfer_s=60, max_walk_m=500)
    found = 0
    for _ in range(n_queries):
        a, b = rng.sample(boarding, 2)
        t = rng.randrange(hours[0] * 3600, hours[1] * 3600)
        when = service_base(d, tz) + timedelta(seconds=t)
        local = when.astimezone(tz).replace(tzinfo=None).isoformat()
        r = client.get("/v1/plan", params={
            "from": f"stop:{tt.names.stop_ids[a]}", "to": f"stop:{tt.names.stop_ids[b]}",
            "time": local, "modes": "TRANSIT", "min_transfer_s": 60,
            "max_transfer_walk_m": 500, "num_itineraries": 1, "max_transfers": max_transfers,
        })
        assert r.status_code == 200, r.text
        its = r.json()["itineraries"]
        WINDOW[:] = [t, t + horizon_s]
        ref = min(csa_earliest(tt, rules, [(a, t)], [(b, 0)], max_transfers + 1,
                               horizon_s=t + horizon_s))
        got = min((_seconds(i["end_time"], d, tz) for i in its), default=float("inf"))
        if ref == float("inf"):  # nothing within the oracle's horizon: nor may the planner
            assert got > t + horizon_s, (tt.names.stop_ids[a], tt.names.stop_ids[b], local, got)
        else:
            assert got == ref, (tt.names.stop_ids[a], tt.names.stop_ids[b], local, got, ref)
        for it in its:
            for leg in it["legs"]:
                if leg["trip_id"]:
                    check_leg_in_gtfs(tt, leg, d, tz)
        found += bool(its)
    assert found > n_queries // 4  # the sample exercises real journeys, not only "no route"


@pytest.fixture(scope="module")
def caltrain_client(caltrain_snapshot: Path) -> Iterator[TestClient]:
    yield from serve(caltrain_snapshot)


@pytest.fixture(scope="module")
def poa_client(poa_snapshot: Path) -> Iterator[TestClient]:
    yield from serve(poa_snapshot)


def test_caltrain_agrees_with_csa(caltrain_client: TestClient, caltrain_snapshot: Path) -> None:
    _agree(caltrain_client, caltrain_snapshot, date(2018, 10, 10), (5, 23), seed=1,
           n_queries=150, horizon_s=2 * 86_400, max_transfers=8)


def test_porto_alegre_agrees_with_csa(poa_client: TestClient, poa_snapshot: Path) -> None:
    _agree(poa_client, poa_snapshot, date(2019, 5, 15), (5, 16), seed=2,
           n_queries=80, horizon_s=3 * 3600, max_transfers=5)
