"""One-to-all search: hand-worked times on the tiny city, the planner as oracle, and the
budgeted multi-source walk against scipy's Dijkstra."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from feeds.bundle import build_snapshot
from routing.constants import UNREACHED
from routing.errors import InvalidRequestError
from routing.isochrone import OneToAllEngine, OneToAllRequest, _budget_dijkstra
from routing.network import Network
from routing.planner import Place, Planner, PlanRequest
from routing.snapshot import current_version, load_snapshot
from tests.maas.conftest import TINY_GTFS, make_bundle

DAY = date(2026, 3, 10).toordinal()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Network:
    root = tmp_path_factory.mktemp("iso")
    build_snapshot(make_bundle(root, TINY_GTFS), root / "snap")
    return load_snapshot(root / "snap" / str(current_version(root / "snap")))


def _idx(net: Network, sid: str) -> int:
    return net.timetable.names.stop_ids.index(sid)


def test_hand_worked_times(tiny: Network) -> None:
    # from stop A at 07:58: R1 08:00 -> B 08:05 (420 s), C 08:10 (720 s); R2 08:25 -> D 08:30
    eng = OneToAllEngine(tiny)
    a = _idx(tiny, "A")
    lat, lon = float(tiny.timetable.stop_lat[a]), float(tiny.timetable.stop_lon[a])
    res = eng.run(OneToAllRequest(lat, lon, DAY, 7 * 3600 + 58 * 60, 2400))
    got = {sid: int(res.stop_time_s[_idx(tiny, sid)]) for sid in "ABCD"}
    # D: the R2 bus (08:30) and walking from A (1752 s) lose to walking on from C
    assert got == {"A": 0, "B": 420, "C": 720, "D": 720 + 584}  # 597.5 m x 1.3 / 1.33
    assert not res.stop_transit[a] and res.stop_transit[_idx(tiny, "C")]
    assert not res.stop_transit[_idx(tiny, "D")]  # walked on from C
    # no streets: the origin and the transit-reached stops continue in a straight line
    assert res.crow_lat.size == 1 + int(res.stop_transit.sum())
    walk_only = eng.run(OneToAllRequest(lat, lon, DAY, 7 * 3600 + 58 * 60, 2400, transit=False))
    assert int(walk_only.stop_time_s[_idx(tiny, "D")]) == 1752  # 1792.6 m x 1.3 / 1.33
    assert not walk_only.stop_transit.any()


def test_planner_is_the_oracle(tiny: Network) -> None:
    """Every stop's one-to-all time equals the planner's earliest arrival at its coordinates."""
    eng, planner = OneToAllEngine(tiny), Planner(tiny)
    tt = tiny.timetable
    rng = np.random.default_rng(7)
    for _ in range(6):
        lat = 45.7500 + rng.uniform(-0.004, 0.004)
        lon = rng.uniform(21.198, 21.225)
        t0 = int(rng.integers(7 * 3600 + 30 * 60, 8 * 3600 + 40 * 60))
        res = eng.run(OneToAllRequest(lat, lon, DAY, t0, 3600))
        for s in range(tt.n_stops):
            its = planner.plan(PlanRequest(Place(lat, lon), Place(float(tt.stop_lat[s]),
                                                                   float(tt.stop_lon[s])),
                                           DAY, t0, num_itineraries=1))
            best = min((it.arr_s - t0 for it in its), default=UNREACHED)
            best = best if best <= 3600 else UNREACHED
            assert int(res.stop_time_s[s]) == best, (lat, lon, t0, s)


def test_budget_dijkstra_matches_scipy_without_budget() -> None:
    rng = np.random.default_rng(3)
    n, m = 300, 1500
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m).astype(np.int32)
    cost = rng.integers(1, 60, m).astype(np.int32)
    order = np.argsort(tail, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    first_out = np.searchsorted(tail, np.arange(n + 1)).astype(np.int32)
    src = np.array([0, 5, 9], np.int32)
    off = np.array([0, 30, 100], np.int32)
    time = np.full(n, UNREACHED, np.int32)
    left = np.zeros(n, np.int32)
    _budget_dijkstra(first_out, head, cost, src, off, np.full(3, 10**6, np.int32),
                     np.int32(10**7), time, left)
    # scipy sums parallel edges: keep the cheapest one of each pair
    best: dict[tuple[int, int], int] = {}
    for u, v, c in zip(tail.tolist(), head.tolist(), cost.tolist(), strict=True):
        best[(u, v)] = min(best.get((u, v), c), c)
    keys = list(best)
    g = csr_matrix(([best[k] for k in keys], ([k[0] for k in keys], [k[1] for k in keys])),
                   shape=(n, n))
    d = dijkstra(g, indices=src)
    want = np.min(d + off[:, None], axis=0)
    reach = np.isfinite(want)
    assert np.array_equal(time[reach], want[reach].astype(np.int32))
    assert np.all(time[~reach] == UNREACHED)


def test_budget_limits_walking_per_source() -> None:
    # chain 0 -> 1 -> 2 -> 3, 100 s per edge; a source at 0 with a 150 s budget reaches node 1
    first_out = np.array([0, 1, 2, 3, 3], np.int32)
    head = np.array([1, 2, 3], np.int32)
    cost = np.array([100, 100, 100], np.int32)
    time = np.full(4, UNREACHED, np.int32)
    left = np.zeros(4, np.int32)
    _budget_dijkstra(first_out, head, cost, np.array([0], np.int32), np.array([10], np.int32),
                     np.array([150], np.int32), np.int32(10_000), time, left)
    assert time.tolist() == [10, 110, UNREACHED, UNREACHED]
    assert left.tolist()[:2] == [150, 50]


@pytest.mark.parametrize("kw", [{"max_time_s": 10}, {"max_time_s": 6000}, {"time_s": -1},
                                {"lat": 95.0}, {"walk_speed_mps": 0.0}])
def test_request_validation(kw: dict[str, float]) -> None:
    base: dict[str, float] = {"lat": 45.75, "lon": 21.2, "day": DAY, "time_s": 0,
                              "max_time_s": 600}
    base.update(kw)
    with pytest.raises(InvalidRequestError):
        OneToAllRequest(**base)  # type: ignore[arg-type]
