"""Transit search benchmark: ``python -m bench.transit_bench [--queries N] [--seed S] [--csa N]``.

Loads the Kaunas GTFS feed of the shared data folder (env ``MAAS_SHARED_DATA``, else
``<repo>/../shared/data``), adds crow-fly footpaths up to 300 m between stops (the compiled
feed has no transfers.txt), and runs random stop-to-stop queries on a weekday in October 2018:
earliest arrival (RAPTOR vs the reference CSA of the tests, same process), range RAPTOR over
a 2 h window, and 3-criteria McRAPTOR.  Prints p50/p95 in milliseconds.  ``--csa N``: how
many queries the (slow, ~3 s each) reference CSA checks; 0 times RAPTOR only.  Not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from routing.constants import TRANSFER_FOOTPATH, WALK_SPEED_MPS
from routing.raptor import RaptorState, earliest_arrival, pareto_search, range_search
from routing.request import TransitRequest
from routing.timetable import Timetable

REPO = Path(__file__).resolve().parent.parent
KAUNAS = ("benchmark", "kaunas", "kaunas_autobusai_gtfs_2018-05.zip")


def shared_data() -> Path:
    """The shared data folder."""
    env = os.environ.get("MAAS_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def with_footpaths(tt: Timetable, max_m: float = 300.0) -> Timetable:
    """Copy of ``tt`` whose transfers are crow-fly footpaths up to ``max_m`` metres (kept
    rows of transfers.txt are preserved)."""
    lat = np.radians(tt.stop_lat)
    lon = np.radians(tt.stop_lon)
    x = lon * np.cos(lat.mean()) * 6_371_000.0
    y = lat * 6_371_000.0
    rows: list[tuple[int, int, int, int, int]] = []
    for s in range(tt.n_stops):
        d = np.hypot(x - x[s], y - y[s])
        for t in np.nonzero((d <= max_m) & (np.arange(tt.n_stops) != s))[0].tolist():
            m = int(d[t])
            rows.append((s, t, int(m / WALK_SPEED_MPS), m, TRANSFER_FOOTPATH))
    for s in range(tt.n_stops):
        for r in range(int(tt.transfer_start[s]), int(tt.transfer_start[s + 1])):
            rows.append((s, int(tt.transfer_to[r]), int(tt.transfer_s[r]),
                         int(tt.transfer_m[r]), int(tt.transfer_kind[r])))  # fmt: skip
    rows.sort()
    start = np.zeros(tt.n_stops + 1, dtype=np.int32)
    np.add.at(start, np.array([r[0] for r in rows], dtype=np.int64) + 1, 1)
    i32 = np.int32
    return dataclasses.replace(
        tt,
        transfer_start=np.cumsum(start).astype(i32),
        transfer_to=np.array([r[1] for r in rows], dtype=i32),
        transfer_s=np.array([r[2] for r in rows], dtype=i32),
        transfer_m=np.array([r[3] for r in rows], dtype=i32),
        transfer_kind=np.array([r[4] for r in rows], dtype=np.int8),
    )


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q)) * 1000.0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--csa", type=int, default=100, help="queries also run by the reference CSA")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from feeds.gtfs import compile_timetable, read_gtfs
    from tests.oracles.csa import csa_earliest
    from tests.oracles.transit_rules import Rules

    path = shared_data().joinpath(*KAUNAS)
    t0 = time.perf_counter()
    feed, report = read_gtfs(path, feed_id="kaunas")
    tt = with_footpaths(compile_timetable(feed, report=report))
    print(f"load+compile {time.perf_counter() - t0:.2f} s: {tt.n_stops} stops, "
          f"{tt.n_patterns} patterns, {tt.n_trips} trips, {tt.n_stop_times} stop times, "
          f"{tt.transfer_to.shape[0]} footpaths")  # fmt: skip
    day = dt.date(2018, 10, 3).toordinal()  # a Wednesday
    t0 = time.perf_counter()
    state = RaptorState(tt)
    earliest_arrival(state, TransitRequest.between_stops(0, 1, day, 8 * 3600))
    print(f"first call (state + numba cache load/compile) {time.perf_counter() - t0:.2f} s")
    rng = random.Random(args.seed)
    served = np.nonzero(np.diff(tt.stop_pattern_start) > 0)[0].tolist()
    qs = [
        (rng.choice(served), rng.choice(served), rng.randint(5 * 3600, 22 * 3600))
        for _ in range(args.queries)
    ]
    ea: list[float] = []
    csa: list[float] = []
    mism = 0
    rules = Rules(
        day, state.config.default_min_transfer_s, state.config.default_max_transfer_walk_m
    )
    n_csa = min(len(qs), args.csa)
    for n, (o, d, t) in enumerate(qs):
        req = TransitRequest.between_stops(o, d, day, t)
        a = time.perf_counter()
        js = earliest_arrival(state, req)
        ea.append(time.perf_counter() - a)
        if n < n_csa:
            a = time.perf_counter()
            ref = csa_earliest(tt, rules, [(o, t)], [(d, 0)], state.config.max_rounds,
                               t + state.config.max_travel_s)  # fmt: skip
            csa.append(time.perf_counter() - a)
            mine = js[-1].arr_s if js else float("inf")
            mism += int(mine != ref[-1])
    print(f"EA RAPTOR  p50 {_pct(ea, 50):.3f} ms  p95 {_pct(ea, 95):.3f} ms  ({len(ea)} queries)")
    if csa:
        ratio = statistics.median(csa) / statistics.median(ea)
        print(f"EA ref CSA p50 {_pct(csa, 50):.1f} ms  p95 {_pct(csa, 95):.1f} ms  "
              f"({n_csa} queries; plain Python) ratio CSA/RAPTOR p50 {ratio:.0f}x; "
              f"mismatches {mism}")  # fmt: skip
    rg: list[float] = []
    mc: list[float] = []
    n_rg = 0
    for o, d, t in qs[: min(len(qs), 300)]:
        req = TransitRequest.between_stops(o, d, day, t, window_s=7200)
        a = time.perf_counter()
        n_rg += len(range_search(state, req))
        rg.append(time.perf_counter() - a)
        req = TransitRequest.between_stops(o, d, day, t)
        a = time.perf_counter()
        pareto_search(state, req)
        mc.append(time.perf_counter() - a)
    print(f"range 2h   p50 {_pct(rg, 50):.2f} ms  p95 {_pct(rg, 95):.2f} ms  "
          f"({len(rg)} queries, {n_rg / len(rg):.1f} journeys/query)")  # fmt: skip
    print(f"McRAPTOR   p50 {_pct(mc, 50):.2f} ms  p95 {_pct(mc, 95):.2f} ms  ({len(mc)} queries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
