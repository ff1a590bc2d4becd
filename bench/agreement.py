"""Routing-core acceptance: RAPTOR earliest arrival vs the fast reference CSA on real feeds.

Run ``python -m bench.agreement [--queries 1000] [--feeds all|name,name] [--seed S]``.

For each feed (Porto Alegre EPTC + Trensurb merged with OSM footpaths, Kaunas, Caltrain, OTP
simple/frequencies, OTP interlining, and the bundled Timisoara city) a service date with the
most active trips is chosen, ``N`` random (origin stop, destination stop, departure time)
queries are run through :func:`routing.raptor.earliest_arrival` and through
:class:`tests.oracles.csa_fast.FastCSA`, the earliest arrivals (and the best arrival per
number of vehicles) are compared exactly, and every returned transit leg is checked against
the timetable (the trip serves both stops at those times on that service day).  Prints per
feed: queries, agreement %, journeys found, legs checked, RAPTOR p50/p95, CSA p50 and their
ratio (milliseconds).  Shared data: env ``MAAS_SHARED_DATA``, else ``<repo>/../shared/data``.
Exits non-zero on any disagreement or invalid leg.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from routing.config import RoutingConfig
from routing.constants import DAY_S
from routing.path import Journey, TransitLeg
from routing.raptor import RaptorState, earliest_arrival
from routing.request import TransitRequest
from routing.timetable import Timetable

REPO = Path(__file__).resolve().parent.parent
TIMISOARA_BUNDLE = REPO / "bundles" / "timisoara"

#: Feed name -> GTFS files relative to the shared data folder (Timisoara is the repo bundle).
FEEDS: dict[str, tuple[str, ...]] = {
    "porto-alegre": ("benchmark/porto-alegre/poa_eptc_gtfs.zip",
                     "benchmark/porto-alegre/poa_trensurb_gtfs.zip"),
    "kaunas": ("benchmark/kaunas/kaunas_autobusai_gtfs_2018-05.zip",),
    "caltrain": ("edge-gtfs/otp_caltrain_gtfs.zip",),
    "otp-simple": ("edge-gtfs/otp_simple_frequencies_pathways_transfers.zip",),
    "otp-interlining": ("edge-gtfs/otp_interlining_block_id.zip",),
    "timisoara": (),
}  # fmt: skip
#: OSM extracts used for street footpaths (others use straight-line footpaths).
OSM: dict[str, str] = {"porto-alegre": "benchmark/porto-alegre/poa_osm.pbf"}


def shared_data_dir() -> Path:
    """The shared data folder (env ``MAAS_SHARED_DATA``, else ``<repo>/../shared/data``)."""
    env = os.environ.get("MAAS_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def load_feed(
    name: str, shared: Path, *, snapshot_root: Path | None = None, streets: bool = True
) -> Timetable:
    """Compile feed ``name`` the way a bundle build does (merge several GTFS, add footpaths).

    ``snapshot_root`` is where the Timisoara snapshot is built (cached by input hash);
    ``streets=False`` uses straight-line footpaths even where an OSM extract exists.
    """
    from feeds.gtfs import compile_timetable, merge_feeds, read_gtfs
    from feeds.report import IngestReport
    from routing.footpaths import compute_footpaths, with_footpaths
    from routing.street_graph import StopLinks, StreetGraph

    if name == "timisoara":
        from feeds.bundle import build_snapshot
        from routing.snapshot import load_snapshot

        root = snapshot_root or Path(tempfile.gettempdir()) / "maas-agreement-snap"
        folder, _ = build_snapshot(TIMISOARA_BUNDLE, root)
        return load_snapshot(folder).timetable
    files = FEEDS[name]
    multi = len(files) > 1
    feeds = []
    for rel in files:
        path = shared / rel
        feed, _ = read_gtfs(path, feed_id=Path(rel).name.removesuffix(".zip") if multi else "")
        feeds.append(feed)
    tt = compile_timetable(merge_feeds(feeds), report=IngestReport(source="gtfs:compile"))
    graph: StreetGraph | None = None
    links: StopLinks | None = None
    if streets and name in OSM:
        from feeds.osm import read_osm_pbf
        from routing.street.snapping import link_stops

        graph, _ = read_osm_pbf(shared / OSM[name])
        links = link_stops(graph, tt.stop_lat, tt.stop_lon)
    f, t, m = compute_footpaths(graph, links, tt.stop_lat, tt.stop_lon)
    return with_footpaths(tt, f, t, m)


def busiest_day(tt: Timetable) -> int:
    """The service date (ISO ordinal) with the most active trips (earliest among ties)."""
    trips_per_service = np.bincount(tt.trip_service, minlength=tt.service_bits.shape[0])
    bits = np.unpackbits(tt.service_bits.view(np.uint8), axis=1, bitorder="little")
    counts = trips_per_service @ bits[:, : tt.n_days].astype(np.int64)
    return tt.first_day + int(np.argmax(counts))


def random_queries(tt: Timetable, day: int, n: int, seed: int) -> list[tuple[int, int, int]]:
    """``n`` random (origin, destination, time_s) stop-to-stop queries on service date ``day``:
    distinct served stops, departure uniform over the day's service span (seconds)."""
    active = np.array([tt.is_active(s, day) for s in range(tt.service_bits.shape[0])], bool)
    trip_on = active[tt.trip_service]
    counts = np.diff(tt.pattern_trip_start)
    st_trip = np.repeat(
        np.arange(tt.n_trips), np.repeat(np.diff(tt.pattern_stop_start), counts)
    )
    deps = tt.departure_s[trip_on[st_trip]]
    lo = max(0, int(deps.min()) - 1800) if deps.size else 0
    hi = min(2 * DAY_S - 1, int(deps.max())) if deps.size else DAY_S - 1
    served = np.nonzero(np.diff(tt.stop_pattern_start) > 0)[0].tolist()
    rng = random.Random(seed)
    return [(*rng.sample(served, 2), rng.randint(lo, hi)) for _ in range(n)]  # type: ignore[misc]


def check_legs(tt: Timetable, journey: Journey, trip_pattern: np.ndarray) -> list[str]:
    """Problems with the transit legs of ``journey`` against the timetable (empty = valid):
    the trip runs on the leg's service day, stops at both stops at the leg's positions, with
    the leg's departure/arrival times, boarding/alighting allowed, legs in time order."""
    problems: list[str] = []
    prev_arr: int | None = None
    for leg in journey.legs:
        if not isinstance(leg, TransitLeg):
            continue
        p = int(trip_pattern[leg.trip])
        a = int(tt.pattern_stop_start[p])
        length = int(tt.pattern_stop_start[p + 1]) - a
        where = f"trip {leg.trip} pos {leg.board_pos}->{leg.alight_pos}"
        if not 0 <= leg.board_pos < leg.alight_pos < length:
            problems.append(f"{where}: positions outside the trip")
            continue
        ib = tt.stop_time_index(leg.trip, leg.board_pos)
        ia = tt.stop_time_index(leg.trip, leg.alight_pos)
        shift = (leg.service_day - journey.day) * DAY_S
        checks = (
            (int(tt.pattern_stops[a + leg.board_pos]) == leg.board_stop, "board stop"),
            (int(tt.pattern_stops[a + leg.alight_pos]) == leg.alight_stop, "alight stop"),
            (int(tt.departure_s[ib]) + shift == leg.dep_s, "departure time"),
            (int(tt.arrival_s[ia]) + shift == leg.arr_s, "arrival time"),
            (tt.is_active(int(tt.trip_service[leg.trip]), leg.service_day), "service day"),
            (int(tt.pickup_type[ib]) != 1, "pickup allowed"),
            (int(tt.drop_off_type[ia]) != 1, "drop-off allowed"),
            (prev_arr is None or leg.dep_s >= prev_arr, "after the previous leg"),
        )
        problems.extend(f"{where}: {what}" for ok, what in checks if not ok)
        prev_arr = leg.arr_s
    return problems


def best_by_vehicles(journeys: list[Journey], kmax: int) -> list[float]:
    """Best arrival using at most ``k`` vehicles, ``k`` = 0..kmax, from a Pareto set."""
    out = [math.inf] * (kmax + 1)
    for j in journeys:
        for k in range(j.transfers + 1, kmax + 1):
            out[k] = min(out[k], j.arr_s)
    return out


@dataclass
class FeedResult:
    """Outcome of the agreement run on one feed (times in seconds per query)."""

    name: str
    day: int
    queries: int = 0
    agree: int = 0
    agree_per_k: int = 0
    found: int = 0
    legs: int = 0
    raptor_s: list[float] = field(default_factory=list)
    csa_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """All earliest arrivals (and per-k bests) agree and every leg is valid."""
        return not self.failures and self.agree == self.agree_per_k == self.queries


def run_agreement(
    name: str, tt: Timetable, queries: int, *, seed: int = 1, config: RoutingConfig | None = None
) -> FeedResult:
    """Run ``queries`` random stop-to-stop queries on ``tt`` through RAPTOR and the fast CSA."""
    from tests.oracles.csa_fast import FastCSA, build_index
    from tests.oracles.transit_rules import Rules

    cfg = config or RoutingConfig()
    day = busiest_day(tt)
    res = FeedResult(name, day)
    state = RaptorState(tt, cfg)
    rules = Rules(day, cfg.default_min_transfer_s, cfg.default_max_transfer_walk_m)
    csa = FastCSA(build_index(tt, rules), cfg.max_rounds)
    trip_pattern = tt.trip_pattern()
    qs = random_queries(tt, day, queries, seed)
    o0, d0, t0 = qs[0]  # warm both (numba cache load) outside the timings
    earliest_arrival(state, TransitRequest.between_stops(o0, d0, day, t0))
    csa.earliest([(o0, t0)], [(d0, 0)], t0 + cfg.max_travel_s)
    clock: Callable[[], float] = time.perf_counter
    for o, d, t in qs:
        a = clock()
        got = earliest_arrival(state, TransitRequest.between_stops(o, d, day, t))
        b = clock()
        ref = csa.earliest([(o, t)], [(d, 0)], t + cfg.max_travel_s)
        c = clock()
        res.raptor_s.append(b - a)
        res.csa_s.append(c - b)
        res.queries += 1
        mine = got[-1].arr_s if got else math.inf
        if mine == ref[-1]:
            res.agree += 1
        else:
            res.failures.append(f"{name} {o}->{d} @{t}: raptor {mine} != csa {ref[-1]}")
        if best_by_vehicles(got, cfg.max_rounds) == ref:
            res.agree_per_k += 1
        elif mine == ref[-1]:
            res.failures.append(f"{name} {o}->{d} @{t}: per-vehicle bests differ")
        res.found += bool(got)
        for j in got:
            res.legs += sum(isinstance(leg, TransitLeg) for leg in j.legs)
            bad = check_legs(tt, j, trip_pattern)
            res.failures.extend(f"{name} {o}->{d} @{t}: {p}" for p in bad)
    return res


def _ms(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q)) * 1000.0 if xs else math.nan


def format_table(results: list[FeedResult]) -> str:
    """A fixed-width table of the results (times in milliseconds)."""
    head = (f"{'feed':<16}{'date':>11}{'queries':>8}{'agree%':>8}{'per-k%':>8}{'found':>7}"
            f"{'legs':>7}{'RAPTOR p50':>11}{'p95':>8}{'CSA p50':>9}{'ratio':>7}")  # fmt: skip
    lines = [head, "-" * len(head)]
    import datetime as dt

    for r in results:
        n = max(r.queries, 1)
        p50, csa50 = _ms(r.raptor_s, 50), _ms(r.csa_s, 50)
        lines.append(
            f"{r.name:<16}{dt.date.fromordinal(r.day).isoformat():>11}{r.queries:>8}"
            f"{100 * r.agree / n:>8.1f}{100 * r.agree_per_k / n:>8.1f}{r.found:>7}{r.legs:>7}"
            f"{p50:>11.3f}{_ms(r.raptor_s, 95):>8.3f}{csa50:>9.3f}{csa50 / p50:>7.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the agreement benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--feeds", default="all", help="all, or a comma list of " + ", ".join(FEEDS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--crow-fly", action="store_true", help="no OSM street footpaths")
    args = ap.parse_args(argv)
    names = list(FEEDS) if args.feeds == "all" else args.feeds.split(",")
    unknown = [n for n in names if n not in FEEDS]
    if unknown:
        ap.error(f"unknown feeds {unknown}; choose from {list(FEEDS)}")
    shared = shared_data_dir()
    results: list[FeedResult] = []
    for name in names:
        t0 = time.perf_counter()
        tt = load_feed(name, shared, streets=not args.crow_fly)
        t1 = time.perf_counter()
        res = run_agreement(name, tt, args.queries, seed=args.seed)
        print(f"{name}: {tt.n_stops} stops, {tt.n_trips} trips, {tt.n_stop_times} stop times, "
              f"{tt.transfer_to.shape[0]} transfer rows; load {t1 - t0:.1f} s, "
              f"queries {time.perf_counter() - t1:.1f} s", flush=True)  # fmt: skip
        for f in res.failures[:10]:
            print("  FAIL", f)
        results.append(res)
    print()
    print(format_table(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
