"""Replay a day of STPT AVL traces and compute congestion indices on the lines' shapes.

Usage: ``python -m bench.congestion_day --out DIR [--data DIR] [--seg-len 200]``

The traces (``timisoara/stpt/avl-traces/*.csv.gz``) are played through
:class:`feeds.stpt_live.AvlReplayer` at infinite speed; positions are projected on the Tranzy
GTFS shapes of their line (the direction is chosen per vehicle run by fit and forward
progress), cut into 200 m segment traversals and aggregated per 15 minutes.  Prints the city
index per local hour and peak vs night, and writes ``congestion_day.png`` (matplotlib) and
``congestion_segments.geojson`` to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from feeds.report import IngestReport
from feeds.stpt_live import AvlReplayer, StptVehicle, VirtualClock, read_avl_positions
from routing.congestion import (
    bin_speeds,
    city_index,
    congestion_level,
    corridor_index,
    extra_time_percent,
    free_flow_speeds,
    merge_bins,
    travel_time_index,
)
from routing.probes import (
    LineShape,
    LocalPlane,
    SegmentObservations,
    fixed_boundaries,
    segment_speeds,
    split_on_restart,
    split_runs,
)

F64 = npt.NDArray[np.float64]
TZ = "Europe/Bucharest"
PLANE = LocalPlane(45.7537, 21.2257)  # Timisoara, Piata Victoriei
#: A fix farther than this from the shape is off the line (depot runs, detours, GPS errors).
MAX_OFFSET_M = 50.0
PEAK_HOURS = (7, 8, 16, 17)
NIGHT_HOURS = (21, 22, 23, 0, 1, 2, 3, 4, 5)


def data_dir(arg: str | None) -> Path:
    """The shared data folder: ``--data``, env ``MAAS_SHARED_DATA``, else ``../shared/data``."""
    if arg:
        return Path(arg)
    env = os.environ.get("MAAS_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass
class LineShapes:
    """Shapes of one line (both directions) and their stop sequences (stop lat/lon)."""

    route: str
    shapes: list[LineShape]
    shape_ids: list[str]
    stops: list[tuple[F64, F64]]


def _rows(z: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.TextIOWrapper(z.open(name), "utf-8-sig")))


def load_line_shapes(gtfs_zip: Path, routes: set[str]) -> dict[str, LineShapes]:
    """Shapes and ordered stops of the GTFS trips of ``routes`` (by route_short_name)."""
    with zipfile.ZipFile(gtfs_zip) as z:
        rmap = {r["route_id"]: r["route_short_name"].strip().upper()
                for r in _rows(z, "routes.txt")}
        trips = _rows(z, "trips.txt")
        pts: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
        for r in _rows(z, "shapes.txt"):
            pts[r["shape_id"]].append((int(r["shape_pt_sequence"]), float(r["shape_pt_lat"]),
                                       float(r["shape_pt_lon"])))
        stops = {s["stop_id"]: (float(s["stop_lat"]), float(s["stop_lon"]))
                 for s in _rows(z, "stops.txt")}
        st: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for r in _rows(z, "stop_times.txt"):
            st[r["trip_id"]].append((int(r["stop_sequence"]), r["stop_id"]))
    out: dict[str, LineShapes] = {}
    for t in trips:
        name = rmap.get(t["route_id"], "")
        if name not in routes or not pts.get(t["shape_id"]):
            continue
        p = sorted(pts[t["shape_id"]])
        shape = LineShape.from_degrees([x[1] for x in p], [x[2] for x in p], PLANE)
        seq = [stops[s] for _, s in sorted(st[t["trip_id"]]) if s in stops]
        ls = out.setdefault(name, LineShapes(name, [], [], []))
        ls.shapes.append(shape)
        ls.shape_ids.append(t["shape_id"])
        ls.stops.append((np.array([a for a, _ in seq]), np.array([b for _, b in seq])))
    return out


@dataclass
class ShapeRun:
    """A part of one vehicle's trace on one shape, monotone forward (one trip)."""

    route: str
    shape: int
    vehicle: str
    t_s: F64
    along_m: F64


def replay_positions(folder: Path, report: IngestReport) -> list[StptVehicle]:
    """All positions of the day's traces, gathered by replaying them as a live feed."""
    pos: list[StptVehicle] = []
    for path in sorted(folder.glob("*.csv.gz")):
        pos.extend(read_avl_positions(path, report))
    seen: list[StptVehicle] = []
    for batch in AvlReplayer(pos, tick_s=15, speed=float("inf"), clock=VirtualClock()):
        seen.extend(batch.positions)
    return seen


def shape_runs(positions: list[StptVehicle], lines: dict[str, LineShapes]) -> list[ShapeRun]:
    """Cut each vehicle's positions into forward runs on the best-fitting shape of its line."""
    by_route: dict[str, list[StptVehicle]] = defaultdict(list)
    for v in positions:
        by_route[v.route_name.upper()].append(v)
    runs: list[ShapeRun] = []
    for route, vs in sorted(by_route.items()):
        ls = lines.get(route)
        if ls is None:
            continue
        vs.sort(key=lambda v: (v.vehicle_id, v.timestamp_s))
        vid = np.array([v.vehicle_id for v in vs])
        t = np.array([v.timestamp_s for v in vs])
        d = np.array([-1 if v.direction_id is None else v.direction_id for v in vs])
        lat = np.array([v.lat for v in vs])
        lon = np.array([v.lon for v in vs])
        proj = [s.project(lat, lon) for s in ls.shapes]
        for a, b in split_runs(vid, t, key=d):
            best, best_score = -1, 0.0
            for k, (al, off) in enumerate(proj):
                if b - a < 3 or np.median(off[a:b]) > MAX_OFFSET_M:
                    continue
                step = np.diff(al[a:b])
                score = float(step[np.abs(step) < 1000].sum())
                if score > best_score:
                    best, best_score = k, score
            if best < 0:
                continue
            al, off = proj[best]
            keep = off[a:b] <= MAX_OFFSET_M
            ta, aa = t[a:b][keep], al[a:b][keep]
            for c, e in split_on_restart(aa):
                if e - c >= 3:
                    runs.append(ShapeRun(route, best, str(vid[a]), ta[c:e], aa[c:e]))
    return runs


def segment_table(lines: dict[str, LineShapes], seg_len_m: float,
                  ) -> tuple[dict[tuple[str, int], tuple[int, F64]], list[tuple[str, int, int]]]:
    """Global segment numbering: (route, shape) -> (first segment id, boundaries)."""
    table: dict[tuple[str, int], tuple[int, F64]] = {}
    owners: list[tuple[str, int, int]] = []
    n = 0
    for route in sorted(lines):
        for k, shape in enumerate(lines[route].shapes):
            b = fixed_boundaries(shape.length_m, seg_len_m)
            table[(route, k)] = (n, b)
            owners.extend((route, k, j) for j in range(b.size - 1))
            n += b.size - 1
    return table, owners


def observations(runs: list[ShapeRun], table: dict[tuple[str, int], tuple[int, F64]],
                 ) -> SegmentObservations:
    """Segment traversals of every run, with global segment ids."""
    parts = []
    for r in runs:
        first, b = table[(r.route, r.shape)]
        o = segment_speeds(r.along_m, r.t_s, b)
        parts.append(SegmentObservations((o.segment + first).astype(np.int32), o.t_mid_s,
                                         o.travel_s, o.speed_mps))
    return SegmentObservations.concat(parts)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (see module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--data", default=None)
    ap.add_argument("--seg-len", type=float, default=200.0)
    args = ap.parse_args(argv)
    data = data_dir(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    report = IngestReport("stpt_live:avl")
    positions = replay_positions(data / "timisoara" / "stpt" / "avl-traces", report)
    routes = {v.route_name.upper() for v in positions}
    lines = load_line_shapes(
        data / "timisoara" / "gtfs" / "stpt_timisoara_tranzy_20260218.zip", routes)
    runs = shape_runs(positions, lines)
    table, owners = segment_table(lines, args.seg_len)
    obs = observations(runs, table)
    lengths = np.zeros(len(owners))
    for (_route, _k), (first, b) in table.items():
        lengths[first:first + b.size - 1] = np.diff(b)

    t_first = min(v.timestamp_s for v in positions)
    day = datetime.fromtimestamp(t_first, ZoneInfo(TZ)).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(TZ))
    t0 = midnight.timestamp()
    offset_s = int(midnight.utcoffset().total_seconds())  # type: ignore[union-attr]
    ff, ff_night = free_flow_speeds(obs.segment, obs.speed_mps, obs.t_mid_s, len(owners),
                                    utc_offset_s=offset_s)
    binned = bin_speeds(obs.segment, obs.t_mid_s, obs.travel_s, lengths, t0_s=t0, n_bins=96)
    hourly = merge_bins(binned, 4)
    city_h = city_index(hourly, ff)
    n_obs_h = hourly.samples.sum(axis=0)

    print(f"positions replayed: {len(positions)} (skipped {report.total_skipped}); "
          f"runs on shapes: {len(runs)}; segment traversals: {len(obs)}; "
          f"segments: {len(owners)} ({int((hourly.samples.sum(axis=1) > 0).sum())} observed, "
          f"{int(ff_night.sum())} with night free-flow)")
    print("local hour  city TTI  extra %  traversals")
    for h in range(24):
        if n_obs_h[h]:
            print(f"  {h:02d}:00     {city_h[h]:6.3f}  {extra_time_percent(city_h[h]):6.1f}  "
                  f"{int(n_obs_h[h]):7d}")
    whole = merge_bins(binned, 96)

    def window(hours: tuple[int, ...]) -> float:
        sel = np.zeros(96, dtype=bool)
        for h in hours:
            sel[h * 4:(h + 1) * 4] = True
        tt = binned.travel_s[:, sel].sum(axis=1, keepdims=True)
        cnt = binned.samples[:, sel].sum(axis=1, keepdims=True)
        sub = type(binned)(t0, 3600, lengths, tt, cnt)
        return float(city_index(sub, ff)[0])

    peak, night = window(PEAK_HOURS), window(NIGHT_HOURS)
    print(f"peak (07-09, 16-18) city TTI {peak:.3f} (+{extra_time_percent(peak):.1f} %), "
          f"night (21-06) {night:.3f} (+{extra_time_percent(night):.1f} %), "
          f"whole day {city_index(whole, ff)[0]:.3f}")
    for route in sorted(lines):
        segs = [i for i, o in enumerate(owners) if o[0] == route]
        ci = corridor_index(whole, ff, segs)[0]
        print(f"  line {route:>4}: day TTI {ci:.3f}")

    _chart(args.out / "congestion_day.png", city_h, n_obs_h, peak, night)
    _geojson(args.out / "congestion_segments.geojson", lines, table, owners, whole, ff)
    print(f"wrote {args.out / 'congestion_day.png'} and "
          f"{args.out / 'congestion_segments.geojson'}")
    return 0


def _chart(path: Path, city_h: F64, n_obs_h: npt.NDArray[np.int64], peak: float,
           night: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4))
    hours = np.arange(24)
    ok = n_obs_h > 0
    ax.bar(hours[ok], extra_time_percent(city_h[ok]), color="#d9534f")
    ax.axhline(float(extra_time_percent(peak)), ls="--", color="k", lw=1, label="peak")
    ax.axhline(float(extra_time_percent(night)), ls=":", color="b", lw=1, label="night")
    ax.set_xlabel("local hour")
    ax.set_ylabel("extra travel time, % (TTI - 1)")
    ax.set_title("Timisoara transit probe congestion index (7 lines, 2026-05-13)")
    ax.set_xticks(hours)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _geojson(path: Path, lines: dict[str, LineShapes],
             table: dict[tuple[str, int], tuple[int, F64]], owners: list[tuple[str, int, int]],
             whole: object, ff: F64) -> None:
    from routing.congestion import BinnedSpeeds

    assert isinstance(whole, BinnedSpeeds)
    v = whole.speed_mps[:, 0]
    tti = travel_time_index(ff, v)
    lvl = congestion_level(tti)
    feats = []
    for i, (route, k, j) in enumerate(owners):
        _first, b = table[(route, k)]
        lat, lon = lines[route].shapes[k].sub_line(float(b[j]), float(b[j + 1]))
        feats.append({
            "type": "Feature",
            "geometry": {"type": "LineString",
                         "coordinates": [[round(x, 6), round(y, 6)] for x, y in zip(
                             lon.tolist(), lat.tolist(), strict=True)]},
            "properties": {
                "line": route, "shape_id": lines[route].shape_ids[k], "segment": j,
                "length_m": round(float(b[j + 1] - b[j]), 1),
                "speed_kmh": None if not np.isfinite(v[i]) else round(float(v[i]) * 3.6, 1),
                "free_flow_kmh": None if not np.isfinite(ff[i]) else round(float(ff[i]) * 3.6, 1),
                "tti": None if not np.isfinite(tti[i]) else round(float(tti[i]), 3),
                "level": int(lvl[i]), "samples": int(whole.samples[i, 0]),
            },
        })
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))


if __name__ == "__main__":
    raise SystemExit(main())
