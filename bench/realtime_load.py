"""Plan latency under load, without and with GTFS-RT TripUpdates arriving every 15 s.

Usage: ``python -m bench.realtime_load [--duration 60] [--workers 2] [--clients 16]
[--bundle bundles/timisoara] [--update-every 15] [--trips 300] [--repeat 1] [--seed 1]``

1. Makes a temporary copy of the bundle (the big files are symlinked) whose ``city.toml`` adds
   ``[gtfs_rt] trip_updates = "gtfs-rt/trip_updates.pb"``, the file path the embedded realtime
   worker (:mod:`maas.realtime.worker`) polls; the file does not exist during the first run.
2. Starts ``maas serve --bundle COPY --workers N --port FREE`` with
   ``MAAS_ANONYMOUS_RATE_PER_MIN=100000000`` and ``MAAS_SNAPSHOT_DIR`` in a temporary folder
   (``--snapshot-dir`` to reuse one), and waits for ``/readyz``.
3. Runs ``--clients`` concurrent httpx clients on ``GET /v1/plan`` for ``--duration`` seconds:
   origins and destinations are points within 150 m of random stops inside lon 21.17-21.28,
   lat 45.72-45.78 (at least 1 km apart), departures at random times 05:00-23:00 of one
   service day (``--date``, default today in the city's time zone).
4. Runs it again while a task rewrites the TripUpdates file every ``--update-every`` seconds
   (``--trips`` random trips of the bundle's timetable on that day, each with a random delay
   of -1..+10 minutes from a random stop on), atomically (``os.replace``).

With ``--repeat N`` the two runs alternate N times (the overlay of the last file stays in
place during later runs without updates) and the medians over the repetitions are reported.
Prints p50/p95/p99 latency, plans/s and errors (non-2xx or exceptions, by kind) per run, the
latency regression of the second run, and the GTFS-RT feed status from ``/v1/feeds`` (to show
the updates were applied).  Target: no errors, regression <= 20 %.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
BBOX = (21.17, 45.72, 21.28, 45.78)  # min lon, min lat, max lon, max lat
JITTER_M = 150.0
MIN_OD_M = 1000.0
TRIP_UPDATES = "gtfs-rt/trip_updates.pb"


@dataclass
class RunStats:
    """Latencies (s) of successful plans and errors by kind of one load run."""

    name: str
    duration_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    updates: int = 0

    def line(self) -> str:
        """One-line summary: percentiles (ms), throughput, errors."""
        lat = np.array(self.latencies_s) * 1000.0
        p50, p95, p99 = (np.percentile(lat, q) if lat.size else float("nan")
                         for q in (50, 95, 99))
        n_err = sum(self.errors.values())
        err = ", ".join(f"{k}: {v}" for k, v in self.errors.most_common()) or "none"
        upd = f", {self.updates} feed updates" if self.updates else ""
        return (f"{self.name:<22} {lat.size:6d} plans  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"p99 {p99:7.1f} ms  {lat.size / self.duration_s:6.1f} plans/s  "
                f"errors {n_err} ({err}){upd}")

    def pct(self, q: float) -> float:
        """Latency percentile ``q``, seconds."""
        return float(np.percentile(self.latencies_s, q)) if self.latencies_s else float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rows(z: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.TextIOWrapper(z.open(name), "utf-8-sig")))


def prepare_bundle(bundle: Path, work: Path) -> Path:
    """A copy of ``bundle`` in ``work`` (symlinks) whose city.toml lists a TripUpdates file."""
    copy = work / bundle.name
    copy.mkdir()
    for entry in bundle.iterdir():
        if entry.name in ("city.toml", ".snapshots"):
            continue
        (copy / entry.name).symlink_to(entry.resolve())
    cfg = (bundle / "city.toml").read_text()
    if "[gtfs_rt]" in cfg.replace("# [gtfs_rt]", ""):
        raise SystemExit(f"{bundle}/city.toml already has a [gtfs_rt] table")
    cfg += f'\n# added by bench.realtime_load\n[gtfs_rt]\ntrip_updates = "{TRIP_UPDATES}"\n'
    (copy / "city.toml").write_text(cfg)
    (copy / "gtfs-rt").mkdir()
    return copy


@dataclass
class CityData:
    """What the load needs from the bundle's GTFS: stop coordinates, trips and their stops."""

    stops_latlon: np.ndarray
    trips: list[tuple[str, list[str]]]  # (trip_id, its stop_ids in stop_sequence order)
    timezone: str


def read_city(bundle: Path) -> CityData:
    """Stops inside :data:`BBOX` and the trips (with their sizes) of the bundle's GTFS zips."""
    cfg = tomllib.loads((bundle / "city.toml").read_text())
    sources = cfg.get("gtfs", {}).get("sources") or [
        str(p.relative_to(bundle)) for p in sorted((bundle / "gtfs").glob("*.zip"))]
    pts: list[tuple[float, float]] = []
    seqs: dict[str, list[tuple[int, str]]] = {}
    tz = str(cfg.get("timezone", ""))
    for src in sources:
        with zipfile.ZipFile(bundle / src) as z:
            for s in _rows(z, "stops.txt"):
                lat, lon = float(s["stop_lat"] or 0), float(s["stop_lon"] or 0)
                if BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]:
                    pts.append((lat, lon))
            for r in _rows(z, "stop_times.txt"):
                seqs.setdefault(r["trip_id"], []).append((int(r["stop_sequence"]),
                                                          r["stop_id"]))
            if not tz:
                tz = _rows(z, "agency.txt")[0]["agency_timezone"]
    trips = [(t, [s for _, s in sorted(v)]) for t, v in sorted(seqs.items())]
    return CityData(np.array(pts), trips, tz)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    k = 111_320.0
    return float(np.hypot((a[0] - b[0]) * k, (a[1] - b[1]) * k * np.cos(np.radians(a[0]))))


def random_query(rng: random.Random, city: CityData, day: date) -> dict[str, str]:
    """Query parameters of one plan: O/D near random stops, departure 05:00-23:00 of ``day``."""

    def point() -> tuple[float, float]:
        lat, lon = city.stops_latlon[rng.randrange(len(city.stops_latlon))]
        r, a = JITTER_M * rng.random() ** 0.5, rng.uniform(0, 2 * np.pi)
        return (float(lat) + r * np.sin(a) / 111_320.0,
                float(lon) + r * np.cos(a) / (111_320.0 * np.cos(np.radians(lat))))

    o = point()
    d = point()
    while _metres(o, d) < MIN_OD_M:
        d = point()
    t = datetime(day.year, day.month, day.day) + timedelta(seconds=rng.randrange(5 * 3600,
                                                                               23 * 3600))
    return {"from": f"{o[0]:.6f},{o[1]:.6f}", "to": f"{d[0]:.6f},{d[1]:.6f}",
            "time": t.isoformat()}


def trip_updates_feed(rng: random.Random, city: CityData, day: date, n_trips: int) -> bytes:
    """A GTFS-RT FeedMessage with TripUpdates of ``n_trips`` random trips on ``day``."""
    from google.transit import gtfs_realtime_pb2 as rt

    msg = rt.FeedMessage()
    msg.header.gtfs_realtime_version = "2.0"
    msg.header.incrementality = rt.FeedHeader.FULL_DATASET
    msg.header.timestamp = int(time.time())
    for i, (trip_id, stops) in enumerate(rng.sample(city.trips, min(n_trips, len(city.trips)))):
        e = msg.entity.add()
        e.id = f"tu{i}"
        e.trip_update.trip.trip_id = trip_id
        e.trip_update.trip.start_date = day.strftime("%Y%m%d")
        stu = e.trip_update.stop_time_update.add()
        # by stop_id: the timetable keeps no GTFS stop_sequence (see feeds.gtfs_rt.apply)
        stu.stop_id = stops[rng.randrange(len(stops))]
        delay = rng.randint(-60, 600)
        stu.arrival.delay = delay
        stu.departure.delay = delay
    return bytes(msg.SerializeToString())


async def _client(client: httpx.AsyncClient, rng: random.Random, city: CityData, day: date,
                  stats: RunStats, deadline: float) -> None:
    while time.perf_counter() < deadline:
        params = random_query(rng, city, day)
        t0 = time.perf_counter()
        try:
            r = await client.get("/v1/plan", params=params)
        except httpx.HTTPError as exc:
            stats.errors[type(exc).__name__] += 1
            continue
        if 200 <= r.status_code < 300:
            stats.latencies_s.append(time.perf_counter() - t0)
        else:
            stats.errors[f"HTTP {r.status_code}"] += 1


async def _updater(path: Path, rng: random.Random, city: CityData, day: date, n_trips: int,
                   every_s: float, stats: RunStats, deadline: float) -> None:
    while time.perf_counter() < deadline:
        data = trip_updates_feed(rng, city, day, n_trips)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        stats.updates += 1
        await asyncio.sleep(min(every_s, max(deadline - time.perf_counter(), 0.0)))


async def load_run(base_url: str, name: str, *, city: CityData, day: date, clients: int,
                   duration_s: float, seed: int, feed: Path | None = None,
                   n_trips: int = 300, every_s: float = 15.0) -> RunStats:
    """One load run (with TripUpdates rewritten every ``every_s`` when ``feed`` is given)."""
    stats = RunStats(name)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0, limits=limits) as client:
        t0 = time.perf_counter()
        deadline = t0 + duration_s
        tasks = [_client(client, random.Random(seed * 1000 + i), city, day, stats, deadline)
                 for i in range(clients)]
        if feed is not None:
            tasks.append(_updater(feed, random.Random(seed), city, day, n_trips, every_s, stats,
                                  deadline))
        await asyncio.gather(*tasks)
        stats.duration_s = time.perf_counter() - t0
    return stats


def wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout_s: float) -> float:
    """Poll ``/readyz`` until 200; return the seconds waited (raise if the server died)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if proc.poll() is not None:
            raise SystemExit(f"maas serve exited with code {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base_url + "/readyz", timeout=5.0).status_code == 200:
                return time.perf_counter() - t0
        time.sleep(1.0)
    raise SystemExit(f"/readyz not 200 after {timeout_s:.0f} s")


def _feed_status(base_url: str) -> list[dict[str, Any]]:
    with contextlib.suppress(httpx.HTTPError, ValueError):
        body = httpx.get(base_url + "/v1/feeds", timeout=10.0).json()
        feeds = body.get("feeds", body) if isinstance(body, dict) else body
        return [f for f in feeds
                if isinstance(f, dict) and "trip_updates" in str(f.get("source", ""))]
    return []


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (see module docstring)."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--bundle", type=Path, default=REPO / "bundles" / "timisoara")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds per run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--update-every", type=float, default=15.0)
    ap.add_argument("--trips", type=int, default=300, help="trips per TripUpdates feed")
    ap.add_argument("--date", default=None, help="service day YYYY-MM-DD (default today)")
    ap.add_argument("--snapshot-dir", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1,
                    help="alternate the two runs this many times; medians are reported")
    ap.add_argument("--ready-timeout", type=float, default=600.0)
    args = ap.parse_args(argv)

    city = read_city(args.bundle)
    day = (date.fromisoformat(args.date) if args.date
           else datetime.now(ZoneInfo(city.timezone)).date())
    print(f"{len(city.stops_latlon)} stops in the bbox, {len(city.trips)} trips; "
          f"service day {day}; {args.clients} clients x {args.duration:.0f} s per run, "
          f"{args.workers} workers")
    with tempfile.TemporaryDirectory(prefix="maas-rt-load-") as tmp:
        work = Path(tmp)
        bundle = prepare_bundle(args.bundle.resolve(), work)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, MAAS_ANONYMOUS_RATE_PER_MIN="100000000",
                   MAAS_SNAPSHOT_DIR=str(args.snapshot_dir or work / "snapshots"),
                   MAAS_LOG_LEVEL="WARNING")
        log = (work / "serve.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "maas", "serve", "--bundle", str(bundle),
             "--workers", str(args.workers), "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            waited = wait_ready(base, proc, args.ready_timeout)
            print(f"ready after {waited:.1f} s (build + load + warm-up)")
            # every worker must be up: a few sequential probes hit both processes
            for _ in range(4 * args.workers):
                httpx.get(base + "/readyz", timeout=30.0)
            runs: dict[str, list[RunStats]] = {"base": [], "rt": []}
            for rep in range(args.repeat):
                seed = args.seed + 2 * rep
                runs["base"].append(asyncio.run(load_run(
                    base, "no feed updates", city=city, day=day, clients=args.clients,
                    duration_s=args.duration, seed=seed)))
                print(runs["base"][-1].line(), flush=True)
                runs["rt"].append(asyncio.run(load_run(
                    base, f"TripUpdates every {args.update_every:.0f} s", city=city, day=day,
                    clients=args.clients, duration_s=args.duration, seed=seed + 1,
                    feed=bundle / TRIP_UPDATES, n_trips=args.trips,
                    every_s=args.update_every)))
                print(runs["rt"][-1].line(), flush=True)
            print(f"medians over {args.repeat} alternating repetition(s):")
            med: dict[str, dict[str, float]] = {}
            for key, rs in runs.items():
                med[key] = {f"p{q}": float(np.median([r.pct(q) for r in rs])) * 1000.0
                            for q in (50, 95, 99)}
                med[key]["plans_s"] = float(np.median([len(r.latencies_s) / r.duration_s
                                                       for r in rs]))
                n_err = sum(sum(r.errors.values()) for r in rs)
                print(f"  {rs[0].name:<22} p50 {med[key]['p50']:7.1f} ms  "
                      f"p95 {med[key]['p95']:7.1f} ms  p99 {med[key]['p99']:7.1f} ms  "
                      f"{med[key]['plans_s']:6.1f} plans/s  errors {n_err}")
            for q in ("p50", "p95", "p99"):
                print(f"  {q} regression with feed updates: "
                      f"{100.0 * (med['rt'][q] / med['base'][q] - 1.0):+.1f} %")
            print(f"  throughput change: "
                  f"{100.0 * (med['rt']['plans_s'] / med['base']['plans_s'] - 1.0):+.1f} %")
            for f in _feed_status(base):
                print(f"feed status: {f}")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
        if proc.returncode not in (0, -15):
            print((work / "serve.log").read_text()[-3000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
