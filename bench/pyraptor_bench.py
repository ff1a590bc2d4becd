"""Speed and agreement against pyraptor (PyPI ``pyraptor``, a pure-Python RAPTOR).

Run ``python -m bench.pyraptor_bench --install [--feed caltrain] [--queries 200]``.

pyraptor pins ``pandas < 2``, so it never enters the project's environment: it lives in its own
venv (``--venv``, default ``<tmp>/pyraptor-venv``), created with ``python3.11 -m venv`` and
``pip install pyraptor attrs`` only when ``--install`` is given (pyraptor 1.3.10 imports
``attr`` without declaring the dependency).  Its GTFS reader is specific to the
Dutch NS feed (agency filter, ``calendar_dates.txt`` only, platforms with parent stations), so
the bench hands it the *same compiled timetable* instead: the trips active on the chosen
service date, each stop its own pyraptor station (so pyraptor adds no platform transfers),
built through pyraptor's own model classes in a subprocess.  Both sides then answer the same
stop-to-stop earliest-arrival queries with the same rules: changing vehicles at a stop takes
0 s, no footpaths (``min_transfer_s=0``, ``max_transfer_walk_m=0``), at most ``--rounds``
vehicles.  pyraptor sees one service day only, so an answer of ours that rides a trip of the
previous or next service day is only required to be no later than pyraptor's.

Prints p50/p95 per query (ms) of pyraptor and of ours twice - the arrival time only
(:func:`routing.raptor.earliest_arrival_time`, the same computation as pyraptor's timed
``run()``, which builds no journey) and with journeys (:func:`routing.raptor.earliest_arrival`)
- the ratios of the p50s, and the agreement counts.  Requests are built before the timed calls
(pyraptor's driver gets its stop objects the same way); their construction is timed apart and
a third ratio counts it in.
pyraptor's logging (loguru) is switched off so it is timed at its fastest.  Not a test.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.agreement import FEEDS, busiest_day, load_feed, random_queries, shared_data_dir
from routing.path import TransitLeg
from routing.raptor import RaptorState, earliest_arrival, earliest_arrival_time
from routing.request import TransitRequest
from routing.timetable import Timetable

#: Runs inside the pyraptor venv: reads the exported day, times each query, prints JSON.
DRIVER = r'''
import json, sys, time
from loguru import logger
from pyraptor.model.structures import (Timetable, Stop, Stops, Station, Stations, Trip, Trips,
    TripStopTime, TripStopTimes, Routes, Transfers)
from pyraptor.model.raptor import RaptorAlgorithm
from pyraptor.util import LARGE_NUMBER

logger.remove()
data = json.load(open(sys.argv[1]))
stations, stops = Stations(), Stops()
for s in range(data["n_stops"]):
    st = stations.add(Station(f"s{s}", f"s{s}"))
    stop = Stop(s, f"s{s}", st, "?")
    st.add_stop(stop)
    stops.add(stop)
trips, tst, routes = Trips(), TripStopTimes(), Routes()
for seq, arr, dep in data["trips"]:
    trip = Trip()
    for i, (s, a, d) in enumerate(zip(seq, arr, dep)):
        x = TripStopTime(trip, i, stops.get(s), a, d, 0)
        tst.add(x)
        trip.add_stop_time(x)
    trips.add(trip)
for trip in trips:
    routes.add(trip)
tt = Timetable(stations=stations, stops=stops, trips=trips, trip_stop_times=tst,
               routes=routes, transfers=Transfers())
rounds = data["rounds"]
out = []
for o, d, t in data["queries"]:
    a = time.perf_counter()
    bag = RaptorAlgorithm(tt).run([stops.get(o)], t, rounds)
    # the best over every round: a search that settles early leaves later rounds unfilled
    arr = min(bag[k][stops.get(d)].earliest_arrival_time for k in range(rounds + 1))
    arr = None if arr >= LARGE_NUMBER or (o == d) else arr
    out.append([arr, time.perf_counter() - a])
json.dump(out, sys.stdout)
'''


def ensure_venv(venv: Path, *, install: bool) -> Path:
    """Python of a venv with pyraptor; create it (``python3.11 -m venv`` + ``pip install
    pyraptor``) when ``install`` is set.  Raises ``RuntimeError`` naming the failed command."""
    py = venv / "bin" / "python"
    check = [str(py), "-c", "import pyraptor.model.raptor, pyraptor.model.structures"]
    if py.exists() and subprocess.run(check, check=False, capture_output=True).returncode == 0:
        return py
    if not install:
        raise RuntimeError(f"no pyraptor venv at {venv}: rerun with --install to create it")
    for cmd in (["python3.11", "-m", "venv", str(venv)],
                [str(py), "-m", "pip", "install", "-q", "pyraptor", "attrs"]):  # fmt: skip
        done = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"`{' '.join(cmd)}` failed: {done.stderr.strip()[-2000:]}")
    return py


def export_day(tt: Timetable, day: int) -> list[tuple[list[int], list[int], list[int]]]:
    """Trips active on service date ``day``: (stops, arrivals s, departures s) each."""
    trips = []
    pattern = tt.trip_pattern()
    for t in range(tt.n_trips):
        if not tt.is_active(int(tt.trip_service[t]), day):
            continue
        p = int(pattern[t])
        a, b = int(tt.pattern_stop_start[p]), int(tt.pattern_stop_start[p + 1])
        i = tt.stop_time_index(t, 0)
        sl = slice(i, i + b - a)
        trips.append((tt.pattern_stops[a:b].tolist(), tt.arrival_s[sl].tolist(),
                      tt.departure_s[sl].tolist()))  # fmt: skip
    return trips


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--feed", default="caltrain", choices=list(FEEDS))
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5, help="most vehicles per journey")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "pyraptor-venv")
    ap.add_argument("--install", action="store_true", help="create the pyraptor venv if missing")
    args = ap.parse_args(argv)
    try:
        py = ensure_venv(args.venv, install=args.install)
    except RuntimeError as exc:
        print(f"pyraptor unavailable: {exc}", file=sys.stderr)
        return 2
    tt = load_feed(args.feed, shared_data_dir(), streets=False)
    day = busiest_day(tt)
    served = set(np.nonzero(np.diff(tt.stop_pattern_start) > 0)[0].tolist())
    qs = [q for q in random_queries(tt, day, args.queries * 2, args.seed)
          if q[0] in served and 5 * 3600 <= q[2] < 22 * 3600][: args.queries]  # fmt: skip
    # ours: same rules (0 s same-stop change, no footpaths, at most `rounds` vehicles)
    state = RaptorState(tt)
    # as `maas serve` does once loaded: start-up objects leave the collector's generations,
    # so a query's few allocations never trigger a walk over the whole loaded feed
    gc.collect()
    gc.freeze()
    kw = {"min_transfer_s": 0, "max_transfer_walk_m": 0, "max_transfers": args.rounds - 1}
    first = TransitRequest.between_stops(qs[0][0], qs[0][1], day, qs[0][2], **kw)
    earliest_arrival(state, first)
    earliest_arrival_time(state, first)
    ours: list[tuple[float, bool]] = []
    our_s: list[float] = []  # with journeys (legs, trips, times)
    arr_s: list[float] = []  # arrival time only: what pyraptor's run() computes
    # requests are built (and validated) before the timed calls, like pyraptor's stop objects;
    # their cost is timed on its own below
    req_s: list[float] = []
    reqs = []
    for o, d, t in qs:
        a = time.perf_counter()
        reqs.append(TransitRequest.between_stops(o, d, day, t, **kw))
        req_s.append(time.perf_counter() - a)
    # one loop per kind of query, so neither is timed right after the other flushed the caches
    bests = []
    for req in reqs:
        a = time.perf_counter()
        best = earliest_arrival_time(state, req)
        arr_s.append(time.perf_counter() - a)
        bests.append(best)
    for req, best in zip(reqs, bests, strict=True):
        a = time.perf_counter()
        got = earliest_arrival(state, req)
        our_s.append(time.perf_counter() - a)
        if best != (got[-1].arr_s if got else None):
            raise SystemExit(f"arrival-only answer {best} != journeys' {got} for {req}")
        same_day = bool(got) and all(
            leg.service_day == day for leg in got[-1].legs if isinstance(leg, TransitLeg)
        )
        ours.append((float(got[-1].arr_s) if got else math.inf, same_day or not got))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "day.json"
        data.write_text(json.dumps({"n_stops": tt.n_stops, "trips": export_day(tt, day),
                                    "queries": qs, "rounds": args.rounds}))  # fmt: skip
        script = Path(tmp) / "driver.py"
        script.write_text(DRIVER)
        cmd = [str(py), str(script), str(data)]
        done = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"pyraptor run failed: {done.stderr.strip()[-2000:]}", file=sys.stderr)
        return 2
    theirs = json.loads(done.stdout)
    equal = later_day_better = mismatch = 0
    for q, (mine, comparable), (arr, _) in zip(qs, ours, theirs, strict=True):
        py_arr = math.inf if arr is None else float(arr)
        if mine == py_arr:
            equal += 1
        elif not comparable and mine < py_arr:
            later_day_better += 1
        else:
            mismatch += 1
            if mismatch <= 5:
                print(f"  mismatch {q}: ours {mine}, pyraptor {py_arr}")
    py_s = [x[1] for x in theirs]
    p = np.percentile
    ours50, py50 = float(p(our_s, 50)) * 1e3, float(p(py_s, 50)) * 1e3
    arr50 = float(p(arr_s, 50)) * 1e3
    print(f"feed {args.feed}: {tt.n_stops} stops, {tt.n_trips} trips; date "
          f"{__import__('datetime').date.fromordinal(day)}; {len(qs)} queries, "
          f"{sum(m < math.inf for m, _ in ours)} with a journey")  # fmt: skip
    print(f"ours, arrival time    p50 {arr50:9.4f} ms  p95 {float(p(arr_s, 95)) * 1e3:9.4f} ms"
          "  (earliest_arrival_time: what pyraptor's run() computes)")
    print(f"ours, with journeys   p50 {ours50:9.4f} ms  p95 {float(p(our_s, 95)) * 1e3:9.4f} ms"
          "  (earliest_arrival: legs, trips, times)")
    print(f"pyraptor              p50 {py50:9.4f} ms  p95 {float(p(py_s, 95)) * 1e3:9.4f} ms")
    req50 = float(p(req_s, 50)) * 1e3
    print(f"(building one TransitRequest, not in the figures above: p50 {req50:.4f} ms)")
    print(f"ratio (pyraptor p50 / ours p50): {py50 / arr50:,.0f}x on the same computation, "
          f"{py50 / ours50:,.0f}x with our journeys built as well; "
          f"{py50 / (arr50 + req50):,.0f}x counting the request's construction")
    print(f"arrivals: {equal} equal, {later_day_better} earlier with another service day's trip "
          f"(pyraptor sees one day), {mismatch} mismatches")  # fmt: skip
    return 0 if mismatch == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
