"""STPT AVL position traces (one CSV per line and day) and live vehicle snapshots (JSON).

Both come from live.stpt.ro and are © STPT/Tranzy, all rights reserved: they are read at
estimation time only and never copied into the repository; only aggregates derived from them
(stop times of the generated GTFS) are shipped.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from feeds.report import IngestReport

#: A silence longer than this (seconds) ends a vehicle run: the vehicle left service or stopped
#: reporting.  Positions normally come every 15-20 s.
MAX_GAP_S = 600.0


@dataclass(frozen=True)
class AvlTrace:
    """Positions of one line, sorted by (vehicle, time); struct of arrays.

    ``t_s`` is Unix time in seconds (float, from ``recorded_at``); ``vehicle`` indexes
    ``vehicle_ids``; ``direction`` is the feed's direction_id (0/1).
    """

    route: str
    vehicle_ids: tuple[str, ...]
    vehicle: npt.NDArray[np.int32]
    direction: npt.NDArray[np.int8]
    t_s: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]

    def __len__(self) -> int:
        """Number of positions."""
        return len(self.t_s)


def _parse_time_s(recorded_at: str, server_ms: str) -> float | None:
    try:
        return datetime.fromisoformat(recorded_at.strip()).timestamp()
    except ValueError:
        pass
    try:
        return float(server_ms) / 1000.0
    except ValueError:
        return None


def read_avl_trace(path: Path, report: IngestReport) -> dict[str, AvlTrace]:
    """Read one AVL trace file (csv or csv.gz), grouped by the ``route`` column.

    Rows with bad coordinates, direction or time are skipped and counted in ``report`` under
    the file's name.  ``recorded_at`` comes as ``...Z`` or ``...+0000``; both are accepted, and
    the server timestamp (milliseconds) is the fallback.
    """
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    name = path.name
    report.read(name, len(rows))
    parsed: dict[str, list[tuple[str, float, int, float, float]]] = {}
    for i, r in enumerate(rows, start=2):
        t = _parse_time_s(r.get("recorded_at", ""), r.get("server_timestamp", ""))
        try:
            lat, lon = float(r["lat"]), float(r["lng"])
            direction = int(r["direction_id"])
        except (KeyError, ValueError):
            report.skip(name, "bad_row", row=i, value=r)
            continue
        if t is None:
            report.skip(name, "bad_time", row=i, value=r.get("recorded_at"))
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            report.skip(name, "bad_coordinates", row=i, value=(lat, lon))
            continue
        parsed.setdefault(r["route"].strip(), []).append(
            (r["vehicle_id"].strip(), t, direction, lat, lon))
    out: dict[str, AvlTrace] = {}
    for route, recs in sorted(parsed.items()):
        recs.sort()
        vids = tuple(sorted({x[0] for x in recs}))
        vidx = {v: k for k, v in enumerate(vids)}
        out[route] = AvlTrace(
            route=route, vehicle_ids=vids,
            vehicle=np.array([vidx[x[0]] for x in recs], dtype=np.int32),
            direction=np.array([x[2] for x in recs], dtype=np.int8),
            t_s=np.array([x[1] for x in recs], dtype=np.float64),
            lat=np.array([x[3] for x in recs], dtype=np.float64),
            lon=np.array([x[4] for x in recs], dtype=np.float64))
    return out


def split_runs(trace: AvlTrace, *, max_gap_s: float = MAX_GAP_S) -> list[tuple[int, int]]:
    """Cut a trace into runs: one vehicle, one direction_id, no silence over ``max_gap_s``.

    Returns half-open index ranges ``[start, end)`` into the trace arrays, in trace order.
    A run may still hold several trips (a direction_id not updated at a terminus); the
    estimator cuts those on the shape.
    """
    n = len(trace)
    if n == 0:
        return []
    cut = np.zeros(n, dtype=bool)
    cut[0] = True
    cut[1:] = ((trace.vehicle[1:] != trace.vehicle[:-1])
               | (trace.direction[1:] != trace.direction[:-1])
               | (np.diff(trace.t_s) > max_gap_s))
    starts = np.flatnonzero(cut)
    ends = np.append(starts[1:], n)
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


@dataclass(frozen=True)
class VehicleSnapshot:
    """Vehicles in service at one moment, from live.stpt.ro ``gtfs-vehicles.php``."""

    collected_at: str
    vehicles_per_route: Counter[str]


def read_vehicle_snapshot(path: Path, report: IngestReport) -> VehicleSnapshot:
    """Read a vehicle snapshot and count distinct vehicles per published route name.

    Route names are stripped of white space; vehicles without a route or id are skipped.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    vehicles = data.get("vehicles", []) if isinstance(data, dict) else data
    report.read(path.name, len(vehicles))
    seen: dict[str, set[str]] = {}
    for i, v in enumerate(vehicles):
        route = str(v.get("route") or "").strip()
        vid = str(v.get("id") or "").strip()
        if not route or not vid:
            report.skip(path.name, "vehicle_without_route_or_id", row=i, value=v)
            continue
        seen.setdefault(route, set()).add(vid)
    counts = Counter({r: len(s) for r, s in seen.items()})
    collected = str(data.get("collectedAt", "")) if isinstance(data, dict) else ""
    return VehicleSnapshot(collected, counts)
