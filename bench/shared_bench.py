"""Shared-mobility plan benchmark: BIKESHARE + CARSHARE + TRANSIT (+ WALK) on the bundled
Timisoara city with DEMO live availability, in process.

Run ``python -m bench.shared_bench [--bundle DIR] [--snap DIR] [--queries N] [--seed S]``.
Builds (or reuses, cached by content hash) the bundle's snapshot, writes one round of the
DEMO feeds into an in-process store, then plans ``N`` random origin/destination pairs inside
the street extract at 08:00 on a weekday. Prints p50/p95 in milliseconds of the whole plan
(live-state read included), of the plan without shared modes (WALK,TRANSIT) for comparison,
and how many plans carried a BIKESHARE / CARSHARE leg. Not a test: nothing asserts on time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from feeds.bundle import build_snapshot
from maas.live.demo import DemoLiveSource
from maas.live.state import LiveState
from maas.live.store import MemoryLiveStore
from maas.settings import DEFAULT_BUNDLE
from routing.planner import Mode, Place, Planner, PlanRequest
from routing.snapshot import current_version, load_snapshot
from routing.street import get_router

#: Street extract of the bundled city (lon 21.10-21.30, lat 45.70-45.80): inner part.
BOX = (21.17, 45.725, 21.28, 45.785)


def main() -> None:
    """Run the benchmark and print the numbers."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    ap.add_argument("--snap", type=Path, default=Path(tempfile.gettempdir()) / "maas-bench-snap")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    build_snapshot(args.bundle, args.snap)
    version = current_version(args.snap)
    assert version is not None
    net = load_snapshot(args.snap / version)
    assert net.streets is not None
    store = MemoryLiveStore()
    DemoLiveSource(args.bundle).publish(store)
    live = LiveState(store, get_router(net.streets))
    planner = Planner(net)
    day = date(2026, 11, 24).toordinal()
    rng = np.random.default_rng(args.seed)
    pts = np.column_stack([rng.uniform(BOX[1], BOX[3], (args.queries, 2)),
                           rng.uniform(BOX[0], BOX[2], (args.queries, 2))])
    shared_modes = frozenset({Mode.WALK, Mode.TRANSIT, Mode.BIKESHARE, Mode.CARSHARE})
    base_modes = frozenset({Mode.WALK, Mode.TRANSIT})

    def req(i: int, modes: frozenset[Mode]) -> PlanRequest:
        return PlanRequest(origin=Place(float(pts[i, 0]), float(pts[i, 2])),
                           destination=Place(float(pts[i, 1]), float(pts[i, 3])),
                           day=day, time_s=8 * 3600, modes=modes)

    t0 = time.perf_counter()
    planner.plan(req(0, shared_modes), shared=live.shared())  # compile / warm caches
    warm_s = time.perf_counter() - t0
    with_ms, base_ms = [], []
    n_bike = n_car = 0
    for i in range(args.queries):
        t = time.perf_counter()
        its = planner.plan(req(i, shared_modes), shared=live.shared())
        with_ms.append((time.perf_counter() - t) * 1000)
        modes = {leg.mode for it in its for leg in it.legs}
        n_bike += "BIKESHARE" in modes
        n_car += "CARSHARE" in modes
        t = time.perf_counter()
        planner.plan(req(i, base_modes))
        base_ms.append((time.perf_counter() - t) * 1000)
    w, b = np.array(with_ms), np.array(base_ms)
    print(f"queries: {args.queries}  warm-up: {warm_s:.2f} s")
    print(f"WALK,TRANSIT,BIKESHARE,CARSHARE  p50 {np.percentile(w, 50):6.1f} ms  "
          f"p95 {np.percentile(w, 95):6.1f} ms")
    print(f"WALK,TRANSIT (baseline)          p50 {np.percentile(b, 50):6.1f} ms  "
          f"p95 {np.percentile(b, 95):6.1f} ms")
    print(f"plans with a BIKESHARE leg: {n_bike}, with a CARSHARE leg: {n_car}")


if __name__ == "__main__":
    main()
