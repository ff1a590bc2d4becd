"""In-process plan benchmark on the bundled Timisoara city: coordinate-to-coordinate
WALK+TRANSIT plans (access and egress street searches, RAPTOR, direct walk, legs with geometry).

Run: ``python -m bench.plan_bench [--n 500] [--trip-updates 300]``.  Prints first-call
(compile/warm) time, then p50/p95 per query; random origin/destination points near random stops
inside the OSM extract, departure times across the service day (05:00-22:00), a fixed seed.
With ``--trip-updates N`` the same plans run a second time with the realtime overlay of a
GTFS-RT TripUpdates feed of N random trips (-1..+10 min from a random stop on, the generator of
:mod:`bench.realtime_load`) applied through the service's realtime hub.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark."""
    from feeds.bundle import build_snapshot
    from routing.planner import Mode, Place, Planner, PlanRequest
    from routing.raptor.state import RealtimeArrays
    from routing.snapshot import load_snapshot

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bundle", type=Path, default=REPO / "bundles" / "timisoara")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--modes", default="WALK,TRANSIT")
    ap.add_argument("--trip-updates", type=int, default=0,
                    help="also plan under a TripUpdates overlay of this many trips")
    args = ap.parse_args(argv)
    folder, _ = build_snapshot(args.bundle)
    net = load_snapshot(folder)
    tt = net.timetable
    t0 = time.perf_counter()
    planner = Planner(net)
    planner.warm()
    print(f"planner build + warm-up (numba cache load/compile): {time.perf_counter() - t0:.2f} s")
    rng = random.Random(42)
    lat, lon = np.asarray(tt.stop_lat), np.asarray(tt.stop_lon)
    inside = np.flatnonzero((lat > 45.72) & (lat < 45.78) & (lon > 21.17) & (lon < 21.28))
    day = date(2026, 11, 24).toordinal()
    modes = frozenset(Mode(m) for m in args.modes.split(","))

    def point() -> Place:
        s = int(rng.choice(inside.tolist()))
        return Place(float(lat[s]) + rng.uniform(-0.002, 0.002),
                     float(lon[s]) + rng.uniform(-0.003, 0.003))

    reqs = [PlanRequest(origin=point(), destination=point(), day=day,
                        time_s=rng.randrange(5 * 3600, 22 * 3600), modes=modes)
            for _ in range(args.n)]  # fmt: skip

    def run(label: str, realtime: RealtimeArrays | None) -> float:
        times, n_it, n_transit = [], 0, 0
        for req in reqs:
            t = time.perf_counter()
            its = planner.plan(req, realtime=realtime)
            times.append(time.perf_counter() - t)
            n_it += len(its)
            n_transit += any(leg.trip >= 0 for it in its for leg in it.legs)
        ms = sorted(x * 1000 for x in times)
        p50, p95 = statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]
        print(f"{args.n} plans ({args.modes}{label}): p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
              f"mean {statistics.fmean(ms):.2f} ms; {n_it / args.n:.1f} itineraries/plan, "
              f"{n_transit / args.n:.0%} with transit")
        return p50

    p50 = run("", None)
    print(f"target p50 <= 25 ms: ratio {p50 / 25:.2f}")
    if args.trip_updates:
        from bench.realtime_load import read_city, trip_updates_feed
        from maas.realtime.hub import RealtimeHub

        hub = RealtimeHub(net, args.bundle)
        status = hub.apply_gtfs_rt(
            trip_updates_feed(rng, read_city(args.bundle), date.fromordinal(day),
                              args.trip_updates), "bench")  # fmt: skip
        print(f"overlay: {status.report.get('info', {})}; warnings "
              f"{status.report.get('warnings', [])}")
        run(f", {args.trip_updates} trips delayed", hub.realtime_arrays(day))


if __name__ == "__main__":
    main()
